"""Schedules in `stepd serve` through boto3's EventBridge Scheduler client
(issue 6): the API's shapes and errors, firing on a controllable clock
(`--clock`), persistence across restarts, exactly one execution per fire
when the server is killed around a fire time, and the missed-fire policies.

Skips (exit 77) when boto3 is not importable or lacks the scheduler client."""
import json
import os
import sqlite3
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_compat import ROLE, boto3  # noqa: E402
from serve_harness import Server  # noqa: E402

if boto3 is not None:
    import botocore.config
    import botocore.exceptions

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
SLOW = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
ACCOUNT = "123456789012"
OFF = {"Mode": "OFF"}


def scheduler(server):
    config = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
    return boto3.session.Session().client("scheduler", endpoint_url=server.url, region_name="us-east-1",
                                          config=config)


def target(machine_arn, **extra):
    t = {"Arn": machine_arn, "RoleArn": ROLE}
    t.update(extra)
    return t


def extra_members(client, operation, **members):
    """Sends members boto3's model does not know (stepd's MissedFirePolicy;
    ActionAfterCompletion on botocore older than 1.34) in `operation`'s body."""
    def add(params, **kw):
        params["body"] = json.dumps(dict(json.loads(params["body"] or b"{}"), **members)).encode()

    client.meta.events.register("before-call.scheduler.%s" % operation, add)
    return client


def wait_for(fn, timeout=20):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


def names(sfn, machine_arn):
    return sorted(e["name"] for e in sfn.list_executions(stateMachineArn=machine_arn)["executions"])


class Base(unittest.TestCase):
    def start(self, *args, db=None):
        argv = list(args) + (["--db", db] if db else [])
        s = Server(argv)
        self.servers.append(s)
        return s, s.client(), scheduler(s)

    def setUp(self):
        self.servers = []
        self.tmp = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.tmp.name, "stepd.db")

    def tearDown(self):
        for s in self.servers:
            s.kill()
            s.tmp.cleanup()
        self.tmp.cleanup()

    def machine(self, sfn, name="etl", definition=PASS):
        return sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition))["stateMachineArn"]


class Api(Base):
    def test_create_get_list_update_delete(self):
        server, sfn, sch = self.start()
        arn = self.machine(sfn)
        r = sch.create_schedule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)",
                                ScheduleExpressionTimezone="Europe/London", FlexibleTimeWindow=OFF,
                                Target=target(arn, Input='{"day": "<aws.scheduler.scheduled-time>"}'),
                                Description="the ETL")
        self.assertEqual(r["ScheduleArn"], "arn:aws:scheduler:us-east-1:%s:schedule/default/nightly" % ACCOUNT)
        got = sch.get_schedule(Name="nightly")
        self.assertEqual(got["ScheduleExpression"], "cron(0 2 * * ? *)")
        self.assertEqual(got["ScheduleExpressionTimezone"], "Europe/London")
        self.assertEqual(got["State"], "ENABLED")
        self.assertEqual(got["GroupName"], "default")
        self.assertEqual(got["Target"]["Arn"], arn)
        self.assertEqual(got["Target"]["RetryPolicy"], {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185})
        self.assertEqual(got["Description"], "the ETL")
        created = got["CreationDate"]
        sch.create_schedule(Name="hourly", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
                            Target=target(arn), State="DISABLED")
        listed = sch.list_schedules()["Schedules"]
        self.assertEqual([s["Name"] for s in listed], ["hourly", "nightly"])
        self.assertEqual(listed[0]["Target"], {"Arn": arn})
        self.assertEqual([s["Name"] for s in sch.list_schedules(State="DISABLED")["Schedules"]], ["hourly"])
        self.assertEqual([s["Name"] for s in sch.list_schedules(NamePrefix="night")["Schedules"]], ["nightly"])
        page = sch.list_schedules(MaxResults=1)
        self.assertEqual([s["Name"] for s in page["Schedules"]], ["hourly"])
        page = sch.list_schedules(MaxResults=1, NextToken=page["NextToken"])
        self.assertEqual([s["Name"] for s in page["Schedules"]], ["nightly"])
        self.assertNotIn("NextToken", page)
        # Pause / resume is UpdateSchedule with State, as on AWS.
        sch.update_schedule(Name="nightly", ScheduleExpression="cron(30 2 * * ? *)", FlexibleTimeWindow=OFF,
                            Target=target(arn), State="DISABLED")
        got = sch.get_schedule(Name="nightly")
        self.assertEqual((got["State"], got["ScheduleExpression"]), ("DISABLED", "cron(30 2 * * ? *)"))
        self.assertEqual(got["CreationDate"], created)
        self.assertEqual(got["ScheduleExpressionTimezone"], "UTC")  # a full replacement
        sch.delete_schedule(Name="nightly")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sch.get_schedule(Name="nightly")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(cm.exception.response["Error"]["Message"], "Schedule nightly does not exist.")
        server.check_clean_exit()

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def test_errors(self):
        server, sfn, sch = self.start()
        arn = self.machine(sfn)
        ok = dict(Name="n", ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow=OFF, Target=target(arn))
        sch.create_schedule(**ok)
        self.assertEqual(self.error(sch.create_schedule, **ok), ("ConflictException", "Schedule n already exists."))
        code, msg = self.error(sch.create_schedule, **dict(ok, Name="b", ScheduleExpression="cron(0 2 * * * *)"))
        self.assertEqual(code, "ValidationException")
        self.assertTrue(msg.startswith("Invalid Schedule Expression cron(0 2 * * * *). day-of-week at column 14"), msg)
        code, msg = self.error(sch.create_schedule, **dict(ok, Name="b", ScheduleExpression="rate(1 minutes)"))
        self.assertIn("rate unit at column 8", msg)
        code, msg = self.error(sch.create_schedule, **dict(ok, Name="b", ScheduleExpressionTimezone="Mars/Base"))
        self.assertEqual((code, msg), ("ValidationException", "Invalid time zone: Mars/Base"))
        code, msg = self.error(sch.create_schedule, **dict(ok, Name="b", GroupName="other"))
        self.assertEqual((code, msg), ("ResourceNotFoundException", "Schedule group other does not exist."))
        code, msg = self.error(sch.create_schedule,
                               **dict(ok, Name="b", Target=target("arn:aws:lambda:us-east-1:%s:function:f" % ACCOUNT)))
        self.assertEqual(code, "ValidationException")
        code, msg = self.error(sch.create_schedule, **dict(ok, Name="b", Target=target(arn, Input="not json")))
        self.assertEqual(code, "ValidationException")
        code, msg = self.error(sch.create_schedule,
                               **dict(ok, Name="b", FlexibleTimeWindow={"Mode": "FLEXIBLE"}))
        self.assertEqual(code, "ValidationException")
        code, _ = self.error(sch.update_schedule, **dict(ok, Name="missing"))
        self.assertEqual(code, "ResourceNotFoundException")
        code, _ = self.error(sch.delete_schedule, Name="missing")
        self.assertEqual(code, "ResourceNotFoundException")
        server.check_clean_exit()


class Firing(Base):
    def test_fires_at_the_clock_time_with_context_attributes(self):
        # The server's clock starts 5 s before 02:00 UTC (sanitized builds
        # on a loaded machine take seconds to start and answer).
        server, sfn, sch = self.start("--clock", "2026-11-26T01:59:55Z")
        arn = self.machine(sfn)
        sch.create_schedule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow=OFF,
                            Target=target(arn, Input='{"day": "<aws.scheduler.scheduled-time>", '
                                                     '"id": "<aws.scheduler.execution-id>"}'))
        self.assertTrue(wait_for(lambda: names(sfn, arn)), server.read_log())
        self.assertEqual(names(sfn, arn), ["nightly-20261126T020000Z"])
        ex = sfn.list_executions(stateMachineArn=arn)["executions"][0]
        d = sfn.describe_execution(executionArn=ex["executionArn"])
        self.assertEqual(json.loads(d["input"]), {"day": "2026-11-26T02:00:00Z", "id": "nightly-20261126T020000Z"})
        # The execution's dates follow the same clock.
        self.assertEqual(d["startDate"].year, 2026)
        self.assertEqual((d["startDate"].month, d["startDate"].day), (11, 26))
        server.check_clean_exit()

    def test_one_time_schedule_deletes_itself(self):
        server, sfn, sch = self.start("--clock", "2026-11-26T01:59:55Z")
        arn = self.machine(sfn)
        extra_members(scheduler(server), "CreateSchedule", ActionAfterCompletion="DELETE").create_schedule(
            Name="once", ScheduleExpression="at(2026-11-26T03:00:00)", ScheduleExpressionTimezone="Europe/Paris",
            FlexibleTimeWindow=OFF, Target=target(arn))
        self.assertTrue(wait_for(lambda: names(sfn, arn)), server.read_log())
        self.assertEqual(names(sfn, arn), ["once-20261126T020000Z"])
        self.assertTrue(wait_for(lambda: sch.list_schedules()["Schedules"] == []))
        server.check_clean_exit()

    def test_disabled_schedule_does_not_fire(self):
        server, sfn, sch = self.start("--clock", "2026-11-26T01:59:55Z")
        arn = self.machine(sfn)
        sch.create_schedule(Name="paused", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow=OFF,
                            Target=target(arn), State="DISABLED")
        sch.create_schedule(Name="probe", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow=OFF,
                            Target=target(arn))
        self.assertTrue(wait_for(lambda: names(sfn, arn)))
        time.sleep(0.5)
        self.assertEqual(names(sfn, arn), ["probe-20261126T020000Z"])
        server.check_clean_exit()


class Restarts(Base):
    def test_schedules_survive_a_restart(self):
        server, sfn, sch = self.start(db=self.db)
        arn = self.machine(sfn)
        sch.create_schedule(Name="kept", ScheduleExpression="cron(0 2 ? * MON-FRI *)", FlexibleTimeWindow=OFF,
                            Target=target(arn), ScheduleExpressionTimezone="America/New_York")
        before = sch.get_schedule(Name="kept")
        server.check_clean_exit()
        server, sfn, sch = self.start(db=self.db)
        after = sch.get_schedule(Name="kept")
        for k in ("Arn", "ScheduleExpression", "ScheduleExpressionTimezone", "CreationDate", "Target", "State"):
            self.assertEqual(before[k], after[k])
        server.check_clean_exit()

    def test_sigkill_around_a_fire_runs_it_exactly_once(self):
        # Kill at several moments around the 02:00:00 fire (the clock starts
        # at 01:59:56, so the fire comes about 4 s after the start), restart
        # after it, and count that night's executions.
        for delay in (3.9, 4.0, 4.02, 4.05, 4.2):
            with self.subTest(delay=delay):
                db = os.path.join(self.tmp.name, "kill-%s.db" % delay)
                t0 = time.time()
                server, sfn, sch = self.start("--clock", "2026-11-26T01:59:56Z", db=db)
                arn = self.machine(sfn, definition=SLOW)
                sch.create_schedule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow=OFF,
                                    Target=target(arn))
                time.sleep(max(0.0, t0 + delay - time.time()))
                server.kill()
                server, sfn, sch = self.start("--clock", "2026-11-26T02:00:10Z", db=db)
                self.assertTrue(wait_for(lambda: names(sfn, arn)), server.read_log())
                time.sleep(0.5)
                self.assertEqual(names(sfn, arn), ["nightly-20261126T020000Z"], server.read_log())
                if os.environ.get("SCHED_DEBUG"):
                    print(delay, [l[21:] for l in server.read_log().splitlines() if "schedule" in l or "restart" in l])
                ex = sfn.list_executions(stateMachineArn=arn)["executions"][0]["executionArn"]
                self.assertTrue(wait_for(lambda: sfn.describe_execution(executionArn=ex)["status"] == "SUCCEEDED"))
                server.check_clean_exit()

    def test_a_claimed_fire_is_finished_once_after_a_crash(self):
        # The store as a crash leaves it between a fire's claim and its
        # record, with (the start was committed) and without (it was not)
        # the fire's execution: after the restart, one execution either way.
        for started in (True, False):
            with self.subTest(started=started):
                db = os.path.join(self.tmp.name, "claimed-%s.db" % started)
                server, sfn, sch = self.start("--clock", "2026-11-26T01:59:55Z", db=db)
                arn = self.machine(sfn)
                sch.create_schedule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow=OFF,
                                    Target=target(arn))
                self.assertTrue(wait_for(lambda: names(sfn, arn)))
                server.check_clean_exit()
                fire_ms = 1795658400000  # 2026-11-26T02:00:00Z
                with sqlite3.connect(db) as con:
                    con.execute("UPDATE schedules SET claimed_ms = ?, done_ms = 0", (fire_ms,))
                    if not started:
                        (xid,) = con.execute("SELECT id FROM executions").fetchone()
                        con.execute("DELETE FROM history WHERE k >> 32 = ?", (xid,))
                        con.execute("DELETE FROM executions WHERE id = ?", (xid,))
                server, sfn, sch = self.start("--clock", "2026-11-26T02:00:20Z", db=db)
                self.assertTrue(wait_for(lambda: names(sfn, arn)))
                self.assertTrue(wait_for(lambda: "fire" in server.read_log()))
                time.sleep(0.5)
                self.assertEqual(names(sfn, arn), ["nightly-20261126T020000Z"], server.read_log())
                log = server.read_log()
                self.assertIn("had started already" if started else "fired for 20261126T020000Z", log)
                server.check_clean_exit()
                with sqlite3.connect(db) as con:
                    self.assertEqual(con.execute("SELECT claimed_ms, done_ms FROM schedules").fetchone(),
                                     (fire_ms, fire_ms))

    def test_missed_fire_policies(self):
        # Every minute; created at 02:00:30, down until 02:05:30: five fires
        # (02:01 ... 02:05) were missed.
        server, sfn, sch = self.start("--clock", "2026-11-26T02:00:30Z", db=self.db)
        arns = {}
        for policy in ("NONE", "LATEST", "ALL", None):
            name = (policy or "default").lower()
            arns[name] = self.machine(sfn, name=name)
            # MissedFirePolicy is stepd's member: boto3 does not know it.
            client = extra_members(scheduler(server), "CreateSchedule", **({"MissedFirePolicy": policy} if policy else {}))
            client.create_schedule(Name=name, ScheduleExpression="cron(* * * * ? *)", FlexibleTimeWindow=OFF,
                                   Target=target(arns[name]))
            self.assertEqual(client.get_schedule(Name=name)["ResponseMetadata"]["HTTPStatusCode"], 200)
        server.kill()
        server, sfn, sch = self.start("--clock", "2026-11-26T02:05:30Z", db=self.db)
        want_all = ["all-20261126T02%02d00Z" % m for m in range(1, 6)]
        self.assertTrue(wait_for(lambda: names(sfn, arns["all"]) == want_all, timeout=30),
                        (names(sfn, arns["all"]), server.read_log()))
        self.assertEqual(names(sfn, arns["latest"]), ["latest-20261126T020500Z"])
        self.assertEqual(names(sfn, arns["default"]), ["default-20261126T020500Z"])
        self.assertEqual(names(sfn, arns["none"]), [])
        server.check_clean_exit()


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    try:
        boto3.session.Session().client("scheduler", region_name="us-east-1")
    except Exception as e:  # botocore before 1.29 has no scheduler model
        print("skipping: this boto3 has no scheduler client (%s)" % e, file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
