"""Activities and task tokens under `stepd serve`, driven by boto3: workers
poll GetActivityTask and answer with SendTaskSuccess / SendTaskFailure /
SendTaskHeartbeat, as on AWS.

The server runs with STEPD_ACTIVITY_POLL_SECONDS=1 (a test hook shortening
AWS's 60 s long poll, docs/activities.md). Clients use a read timeout above
65 s, as AWS advises for GetActivityTask. Skips (exit 77) when boto3 is not
importable."""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import ROLE, ServeTestCase, boto3  # noqa: E402

if boto3 is not None:
    import botocore.config

POLL_SECONDS = 1
os.environ["STEPD_ACTIVITY_POLL_SECONDS"] = str(POLL_SECONDS)


def activity_machine(activity_arn, **task):
    state = {"Type": "Task", "Resource": activity_arn, "End": True}
    state.update(task)
    return {"StartAt": "A", "States": {"A": state}}


class Worker(threading.Thread):
    """Polls one activity until it gets a task, then answers with `answer`."""

    def __init__(self, client, activity_arn, answer, name="worker-1"):
        super().__init__(daemon=True)
        self.sfn, self.arn, self.answer, self.name_ = client, activity_arn, answer, name
        self.task = None
        self.error = None
        self.stop = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                t = self.sfn.get_activity_task(activityArn=self.arn, workerName=self.name_)
                if t.get("taskToken"):
                    self.task = t
                    self.answer(self.sfn, t)
                    return
        except Exception as e:  # reported by the test
            self.error = e


class TestActivities(ServeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sfn = cls.long_client()

    @classmethod
    def long_client(cls):
        cfg = botocore.config.Config(read_timeout=70, retries={"max_attempts": 1, "mode": "standard"})
        session = boto3.session.Session()
        return session.client("stepfunctions", endpoint_url=cls.server.url, region_name="us-east-1", config=cfg)

    def activity(self, name):
        return self.sfn.create_activity(name=name)["activityArn"]

    def run_with_worker(self, name, answer, **task):
        act = self.activity(name)
        m = self.create("m-" + name, activity_machine(act, **task))
        w = Worker(self.long_client(), act, answer)
        w.start()
        ex = self.sfn.start_execution(stateMachineArn=m, input=json.dumps({"Value1": "HelloWorld"}))["executionArn"]
        d = self.wait_done(ex, timeout=60)
        w.stop.set()
        w.join(timeout=10)
        self.assertIsNone(w.error)
        return ex, d, w

    def test_create_describe_list_delete(self):
        arn = self.activity("act-crud")
        self.assertEqual(arn, "arn:aws:states:us-east-1:123456789012:activity:act-crud")
        d = self.sfn.describe_activity(activityArn=arn)
        self.assertEqual(d["name"], "act-crud")
        self.assertEqual(d["activityArn"], arn)
        # Idempotent, as on AWS: the same ARN and creation date.
        again = self.sfn.create_activity(name="act-crud")
        self.assertEqual(again["activityArn"], arn)
        self.assertEqual(again["creationDate"], d["creationDate"])
        self.assertIn(arn, [a["activityArn"] for a in self.sfn.list_activities()["activities"]])
        self.sfn.delete_activity(activityArn=arn)
        self.assertApiError("ActivityDoesNotExist", self.sfn.describe_activity, activityArn=arn)
        self.assertNotIn(arn, [a["activityArn"] for a in self.sfn.list_activities()["activities"]])
        self.sfn.delete_activity(activityArn=arn)  # unknown: still succeeds
        self.assertApiError("InvalidName", self.sfn.create_activity, name="bad name")
        self.assertApiError("ActivityDoesNotExist", self.sfn.get_activity_task, activityArn=arn)

    def test_list_pages(self):
        arns = [self.activity("act-page-%d" % i) for i in range(3)]
        seen, token = [], None
        while True:
            kw = {"maxResults": 1}
            if token:
                kw["nextToken"] = token
            page = self.sfn.list_activities(**kw)
            self.assertLessEqual(len(page["activities"]), 1)
            seen += [a["activityArn"] for a in page["activities"]]
            token = page.get("nextToken")
            if not token:
                break
        for a in arns:
            self.assertIn(a, seen)

    def test_worker_success(self):
        def answer(sfn, t):
            self.assertEqual(json.loads(t["input"]), {"Value1": "HelloWorld"})
            sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"done": True}))

        ex, d, w = self.run_with_worker("act-ok", answer)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"done": True})
        ev = self.history(ex)
        self.assertEqual(
            [e["type"] for e in ev],
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "ActivityScheduled",
                "ActivityStarted",
                "ActivitySucceeded",
                "TaskStateExited",
                "ExecutionSucceeded",
            ],
        )
        sched = ev[2]["activityScheduledEventDetails"]
        self.assertEqual(sched["resource"], "arn:aws:states:us-east-1:123456789012:activity:act-ok")
        self.assertEqual(json.loads(sched["input"]), {"Value1": "HelloWorld"})
        self.assertEqual(ev[3]["activityStartedEventDetails"], {"workerName": "worker-1"})
        self.assertEqual(json.loads(ev[4]["activitySucceededEventDetails"]["output"]), {"done": True})
        # The token is spent: AWS answers TaskDoesNotExist.
        self.assertApiError("TaskDoesNotExist", self.sfn.send_task_success, taskToken=w.task["taskToken"], output="{}")

    def test_worker_failure(self):
        def answer(sfn, t):
            sfn.send_task_failure(taskToken=t["taskToken"], error="Programmatic Error", cause='{"Value1":"HelloWorld"}')

        ex, d, _ = self.run_with_worker("act-fail", answer)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "Programmatic Error")
        self.assertEqual(d["cause"], '{"Value1":"HelloWorld"}')
        ev = self.history(ex)
        self.assertEqual(
            [e["type"] for e in ev],
            ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivityFailed", "ExecutionFailed"],
        )
        self.assertEqual(
            ev[4]["activityFailedEventDetails"], {"error": "Programmatic Error", "cause": '{"Value1":"HelloWorld"}'}
        )

    def test_invalid_output(self):
        outcome = {}

        def answer(sfn, t):
            try:
                sfn.send_task_success(taskToken=t["taskToken"], output="{not json")
            except Exception as e:
                outcome["code"] = e.response["Error"]["Code"]
            sfn.send_task_success(taskToken=t["taskToken"], output='"fine"')

        _, d, _ = self.run_with_worker("act-badout", answer)
        self.assertEqual(outcome.get("code"), "InvalidOutput")
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), "fine")

    def test_heartbeat_keeps_task_alive(self):
        def answer(sfn, t):
            # 3.5 s of work against HeartbeatSeconds 2: alive only through heartbeats.
            for _ in range(7):
                time.sleep(0.5)
                sfn.send_task_heartbeat(taskToken=t["taskToken"])
            sfn.send_task_success(taskToken=t["taskToken"], output="{}")

        ex, d, _ = self.run_with_worker("act-hb", answer, HeartbeatSeconds=2, TimeoutSeconds=30)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        sched = self.history(ex)[2]["activityScheduledEventDetails"]
        self.assertEqual(sched["heartbeatInSeconds"], 2)
        self.assertEqual(sched["timeoutInSeconds"], 30)

    def test_missing_heartbeat_times_out(self):
        outcome = {}

        def answer(sfn, t):
            time.sleep(2.5)  # past HeartbeatSeconds 1, no heartbeat
            for fn in (
                lambda: sfn.send_task_heartbeat(taskToken=t["taskToken"]),
                lambda: sfn.send_task_success(taskToken=t["taskToken"], output="{}"),
            ):
                try:
                    fn()
                except Exception as e:
                    outcome.setdefault("codes", []).append(e.response["Error"]["Code"])

        ex, d, w = self.run_with_worker("act-nohb", answer, HeartbeatSeconds=1)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "States.HeartbeatTimeout")
        ev = self.history(ex)
        self.assertEqual(ev[-2]["type"], "ActivityTimedOut")
        self.assertEqual(ev[-2]["activityTimedOutEventDetails"]["error"], "States.HeartbeatTimeout")
        w.join(timeout=10)
        self.assertEqual(outcome.get("codes"), ["TaskTimedOut", "TaskTimedOut"])

    def test_timeout_without_worker(self):
        act = self.activity("act-idle")
        m = self.create("m-act-idle", activity_machine(act, TimeoutSeconds=1))
        ex = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        d = self.wait_done(ex)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Timeout")
        types = [e["type"] for e in self.history(ex)]
        self.assertEqual(types, ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityTimedOut", "ExecutionFailed"])
        # The timed-out task is no longer handed to workers.
        self.assertNotIn("taskToken", self.sfn.get_activity_task(activityArn=act))

    def test_unknown_and_malformed_tokens(self):
        self.assertApiError("InvalidToken", self.sfn.send_task_success, taskToken="not-a-token", output="{}")
        self.assertApiError("InvalidToken", self.sfn.send_task_heartbeat, taskToken="x")
        self.assertApiError("TaskDoesNotExist", self.sfn.send_task_failure, taskToken="0" * 64, error="E")
        self.assertApiError("TaskDoesNotExist", self.sfn.send_task_heartbeat, taskToken="ab" * 32)

    def test_empty_poll_after_timeout_serves_others_meanwhile(self):
        act = self.activity("act-empty")
        result = {}

        def poll():
            t0 = time.time()
            result["task"] = self.long_client().get_activity_task(activityArn=act, workerName="idle")
            result["took"] = time.time() - t0

        th = threading.Thread(target=poll)
        th.start()
        time.sleep(0.2)
        # Served while the poll is parked.
        t0 = time.time()
        self.sfn.list_activities()
        self.sfn.describe_activity(activityArn=act)
        self.assertLess(time.time() - t0, POLL_SECONDS * 0.8)
        th.join(timeout=30)
        self.assertNotIn("taskToken", result["task"])
        self.assertNotIn("input", result["task"])
        self.assertGreaterEqual(result["took"], POLL_SECONDS * 0.9)

    def test_parked_poll_gets_task(self):
        act = self.activity("act-parked")
        m = self.create("m-act-parked", activity_machine(act))
        got = {}

        def poll():
            got["task"] = self.long_client().get_activity_task(activityArn=act, workerName="w")

        th = threading.Thread(target=poll)
        th.start()
        time.sleep(0.3)  # parked before the task exists
        ex = self.sfn.start_execution(stateMachineArn=m, input='{"k": 1}')["executionArn"]
        th.join(timeout=30)
        self.assertIn("taskToken", got["task"])
        self.assertEqual(json.loads(got["task"]["input"]), {"k": 1})
        self.sfn.send_task_success(taskToken=got["task"]["taskToken"], output='{"r": 2}')
        self.assertEqual(json.loads(self.wait_done(ex)["output"]), {"r": 2})

    def test_activity_does_not_exist(self):
        act = self.activity("act-gone")
        m = self.create("m-act-gone", activity_machine(act))
        self.sfn.delete_activity(activityArn=act)
        ex = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        d = self.wait_done(ex)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")
        self.assertEqual(
            d["cause"],
            "An error occurred while executing the state 'A' (entered at the event id #2). "
            "The activity %s does not exist." % act,
        )
        self.assertEqual([e["type"] for e in self.history(ex)], ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"])

    def test_deleted_while_task_waits(self):
        act = self.activity("act-del-wait")
        m = self.create("m-act-del-wait", activity_machine(act))
        ex = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        deadline = time.time() + 10
        while "ActivityScheduled" not in [e["type"] for e in self.history(ex)]:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.sfn.delete_activity(activityArn=act)
        d = self.wait_done(ex)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.Runtime")

    def test_stop_execution_spends_token(self):
        act = self.activity("act-stop")
        m = self.create("m-act-stop", activity_machine(act))
        ex = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        t = self.sfn.get_activity_task(activityArn=act)
        self.assertIn("taskToken", t)
        self.sfn.stop_execution(executionArn=ex)
        self.assertEqual(self.wait_done(ex)["status"], "ABORTED")
        self.assertApiError("TaskDoesNotExist", self.sfn.send_task_success, taskToken=t["taskToken"], output="{}")

    def test_validate_does_not_warn_for_activities(self):
        if not hasattr(self.sfn, "validate_state_machine_definition"):
            self.skipTest("this botocore predates ValidateStateMachineDefinition (2024)")
        act = "arn:aws:states:us-east-1:123456789012:activity:later"
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(activity_machine(act)), severity="WARNING")
        self.assertEqual([d for d in r["diagnostics"] if d["code"] == "RESOURCE_NOT_SERVED"], [])


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
