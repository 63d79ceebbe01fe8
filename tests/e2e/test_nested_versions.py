"""Nested executions on version and alias ARNs under `stepd serve`: a Task
arn:aws:states:::states:startExecution whose StateMachineArn is
"<machine>:<N>" runs version N, and "<machine>:<alias>" routes through the
alias, as StartExecution through the API does; the child's
DescribeExecution names the version and alias, and ListExecutions on them
lists it.

Versions are published and the version fields read with plain JSON
requests (the same wire format boto3 sends), so that Debian's boto3 1.26,
which predates versions, runs these tests too; the rest goes through
boto3. Skips (exit 77) only when boto3 is not importable."""
import json
import os
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import ServeTestCase, boto3  # noqa: E402

RES = "arn:aws:states:::states:startExecution"


def child(result):
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}}


def parent(suffix):
    return {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": RES + suffix,
                "Parameters": {"StateMachineArn.$": "$.arn", "Name.$": "$.name", "Input": {"k": 1}},
                "End": True,
            }
        },
    }


class TestNestedVersions(ServeTestCase):
    def raw(self, action, body):
        req = urllib.request.Request(
            self.server.url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def versioned(self, name):
        """A machine whose version 1 answers "v1" while its latest revision
        answers "latest", so which one ran shows in the output."""
        arn = self.create(name, child("v1"))
        self.assertEqual(self.raw("PublishStateMachineVersion", {"stateMachineArn": arn})["stateMachineVersionArn"],
                         arn + ":1")
        self.sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(child("latest")))
        return arn

    def run_parent(self, name, suffix, target):
        p = self.create("p-" + name, parent(suffix))
        ex = self.sfn.start_execution(stateMachineArn=p, input=json.dumps({"arn": target, "name": name}))
        return self.wait_done(ex["executionArn"])

    def kid(self, machine, name):
        return machine.replace(":stateMachine:", ":execution:") + ":" + name

    def test_sync_on_a_version_runs_that_version(self):
        m = self.versioned("nv-ver")
        d = self.run_parent("ver", ".sync:2", m + ":1")
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["Output"], "v1")
        # DescribeExecution's fields: the machine's own ARN, the version apart.
        self.assertEqual(out["StateMachineArn"], m)
        self.assertEqual(out["StateMachineVersionArn"], m + ":1")
        self.assertNotIn("StateMachineAliasArn", out)
        kid = self.kid(m, "ver")
        self.assertEqual(out["ExecutionArn"], kid)
        c = self.raw("DescribeExecution", {"executionArn": kid})
        self.assertEqual(c["stateMachineArn"], m)
        self.assertEqual(c["stateMachineVersionArn"], m + ":1")
        self.assertNotIn("stateMachineAliasArn", c)
        listed = self.raw("ListExecutions", {"stateMachineArn": m + ":1"})["executions"]
        self.assertIn(kid, [e["executionArn"] for e in listed])

    def test_request_response_through_an_alias(self):
        m = self.versioned("nv-alias")
        alias = self.raw("CreateStateMachineAlias", {
            "name": "live", "routingConfiguration": [{"stateMachineVersionArn": m + ":1", "weight": 100}]
        })["stateMachineAliasArn"]
        self.assertEqual(alias, m + ":live")
        d = self.run_parent("alias", "", alias)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        kid = self.kid(m, "alias")
        self.assertEqual(json.loads(d["output"])["ExecutionArn"], kid)
        c = self.wait_done(kid)
        self.assertEqual(c["status"], "SUCCEEDED", c)
        self.assertEqual(json.loads(c["output"]), "v1")
        deadline = time.time() + 10
        while True:  # the qualifiers reach the row once it is committed
            c = self.raw("DescribeExecution", {"executionArn": kid})
            listed = self.raw("ListExecutions", {"stateMachineArn": alias})["executions"]
            if kid in [e["executionArn"] for e in listed] or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(c["stateMachineVersionArn"], m + ":1")
        self.assertEqual(c["stateMachineAliasArn"], alias)
        self.assertIn(kid, [e["executionArn"] for e in listed])

    def test_missing_version_and_alias_fail_as_the_api_does(self):
        m = self.versioned("nv-missing")
        for i, target in enumerate([m + ":9", m + ":nope"]):
            d = self.run_parent("missing%d" % i, ".sync", target)
            self.assertEqual(d["status"], "FAILED", d)
            self.assertEqual(d["error"], "StepFunctions.StateMachineDoesNotExistException")
            self.assertIn("State Machine Does Not Exist: '%s'" % target, d["cause"])

    def test_deleted_machine_behind_a_version(self):
        m = self.versioned("nv-deleted")
        self.sfn.delete_state_machine(stateMachineArn=m)
        d = self.run_parent("deleted", "", m + ":1")
        self.assertEqual(d["status"], "FAILED", d)
        self.assertIn(d["error"], ("StepFunctions.StateMachineDoesNotExistException",
                                   "StepFunctions.StateMachineDeletingException"))


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    if boto3 is not None:
        suite.addTests(loader.loadTestsFromTestCase(TestNestedVersions))
    return suite


if __name__ == "__main__":
    if boto3 is None:
        print("skipped: boto3 is not importable", file=sys.stderr)
        sys.exit(77)
    unittest.main()
