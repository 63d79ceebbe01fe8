"""Schedules in `stepd serve`: a target naming a state machine version
("<machine>:<N>") or alias fires that version, as StartExecution on it
would, and the lengths the Scheduler model gives ScheduleExpression,
Description and KmsKeyArn are enforced (scheduler.service-2.json).

Versions are published with a plain JSON request so that Debian's boto3
1.26 (no version API) runs this too. Skips (exit 77) when boto3 is not
importable."""
import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_schedules import OFF, Base, boto3, names, target, wait_for  # noqa: E402

if boto3 is not None:
    import botocore.exceptions


def passing(result):
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}}


def raw(server, action, body):
    req = urllib.request.Request(server.url, data=json.dumps(body).encode(), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


class Targets(Base):
    def test_version_target_fires_that_version(self):
        server, sfn, sch = self.start("--clock", "2026-11-26T01:59:55Z")
        arn = self.machine(sfn, definition=passing("v1"))
        raw(server, "PublishStateMachineVersion", {"stateMachineArn": arn})
        sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(passing("latest")))
        sch.create_schedule(Name="ver", ScheduleExpression="cron(0 2 * * ? *)", FlexibleTimeWindow=OFF,
                            Target=target(arn + ":1"))
        self.assertTrue(wait_for(lambda: names(sfn, arn)), server.read_log())
        ex = sfn.list_executions(stateMachineArn=arn)["executions"][0]["executionArn"]
        d = wait_for(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
            raw(server, "DescribeExecution", {"executionArn": ex})))
        self.assertEqual((d["status"], json.loads(d["output"])), ("SUCCEEDED", "v1"), d)
        self.assertEqual(d["stateMachineVersionArn"], arn + ":1")
        server.check_clean_exit()

    def test_member_lengths(self):
        server, sfn, sch = self.start()
        arn = self.machine(sfn)
        ok = dict(Name="n", ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow=OFF, Target=target(arn))
        for member, value, limit in [("Description", "d" * 513, 512),
                                     ("ScheduleExpression", "rate(5 minutes)" + " " * 250, 256)]:
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                sch.create_schedule(**dict(ok, **{member: value}))
            err = cm.exception.response["Error"]
            self.assertEqual(err["Code"], "ValidationException")
            self.assertIn("Member must have length less than or equal to %d" % limit, err["Message"])
        sch.create_schedule(**dict(ok, Description="d" * 512))
        server.check_clean_exit()


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    if boto3 is not None:
        suite.addTests(loader.loadTestsFromTestCase(Targets))
    return suite


if __name__ == "__main__":
    if boto3 is None:
        print("skipped: boto3 is not importable", file=sys.stderr)
        sys.exit(77)
    unittest.main()
