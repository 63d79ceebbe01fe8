"""RedriveExecution through boto3, as AWS behaves: a FAILED, TIMED_OUT or
ABORTED STANDARD execution starts again from the state it stopped in, with
the same ARN, input and history (ExecutionRedriven, ids going on); states
that succeeded before are not run again, a Map runs only its failed and
unstarted iterations, a Parallel only its failed branches. DescribeExecution
and ListExecutions report redriveCount, redriveDate, redriveStatus and
redriveStatusReason; ListExecutions takes redriveFilter.

Skips (exit 77) when boto3 is missing or its model has no RedriveExecution
(Debian's python3-boto3 1.26 predates it)."""
import collections
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_compat import ROLE, Server, boto3, history  # noqa: E402

try:
    import botocore.exceptions
except ImportError:  # pragma: no cover
    pass

ACT = "arn:aws:states:us-east-1:123456789012:activity:"


def has_redrive():
    if boto3 is None:
        return False
    client = boto3.session.Session().client("stepfunctions", region_name="us-east-1")
    return "RedriveExecution" in client.meta.service_model.operation_names


CHAIN = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Result": "a", "ResultPath": "$.a", "Next": "T"},
        "T": {"Type": "Task", "Resource": ACT + "work", "ResultPath": "$.t", "Next": "C"},
        "C": {"Type": "Pass", "Result": "c", "ResultPath": "$.c", "End": True},
    },
}
MAP = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Ch",
                "States": {
                    "Ch": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "T"}],
                        "Default": "Q",
                    },
                    "T": {"Type": "Task", "Resource": ACT + "work", "End": True},
                    "Q": {"Type": "Pass", "End": True},
                },
            },
            "End": True,
        }
    },
}
PAR = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "B0", "States": {"B0": {"Type": "Pass", "Result": "zero", "End": True}}},
                {"StartAt": "B1", "States": {"B1": {"Type": "Task", "Resource": ACT + "work", "End": True}}},
            ],
            "End": True,
        }
    },
}



@unittest.skipUnless(has_redrive(), "boto3 missing, or its model has no RedriveExecution (boto3 < 1.33)")
class TestRedrive(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"STEPD_ACTIVITY_POLL_SECONDS": "0.1"})
        cls.sfn = cls.server.client()
        cls.sfn.create_activity(name="work")

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def machine(self, name, definition):
        return self.sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]

    def answer(self, fail):
        """Answers the next task of the activity: fails it or echoes its input."""
        deadline = time.time() + 30
        while True:
            t = self.sfn.get_activity_task(activityArn=ACT + "work")
            if t.get("taskToken"):
                break
            self.assertLess(time.time(), deadline, "no activity task came")
        if fail:
            self.sfn.send_task_failure(taskToken=t["taskToken"], error="Boom", cause="worker failed")
        else:
            self.sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"did": json.loads(t["input"])}))

    def wait_status(self, arn, status):
        deadline = time.time() + 30
        while True:
            d = self.sfn.describe_execution(executionArn=arn)
            if d["status"] == status:
                return d
            self.assertLess(time.time(), deadline, d)
            time.sleep(0.05)

    def check_ids(self, events):
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)), events)

    def test_failed_task_is_redriven_and_nothing_before_it_runs_again(self):
        arn = self.sfn.start_execution(stateMachineArn=self.machine("Chain", CHAIN), input='{"x": 1}')["executionArn"]
        self.answer(fail=True)
        d = self.wait_status(arn, "FAILED")
        self.assertEqual(d["redriveCount"], 0)
        self.assertEqual(d["redriveStatus"], "REDRIVABLE")
        self.assertNotIn("redriveDate", d)
        out = self.sfn.redrive_execution(executionArn=arn)
        self.assertIn("redriveDate", out)
        d = self.sfn.describe_execution(executionArn=arn)
        self.assertEqual(d["status"], "RUNNING")
        self.assertEqual(d["redriveCount"], 1)
        self.assertEqual(d["redriveStatus"], "NOT_REDRIVABLE")
        self.assertEqual(d["redriveStatusReason"], "Execution is RUNNING and cannot be redriven")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.redrive_execution(executionArn=arn)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionNotRedrivable")
        self.answer(fail=False)
        d = self.wait_status(arn, "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"x": 1, "a": "a", "t": {"did": {"x": 1, "a": "a"}}, "c": "c"})
        self.assertEqual(d["redriveCount"], 1)
        self.assertEqual(d["redriveStatusReason"], "Execution is SUCCEEDED and cannot be redriven")
        events = history(self.sfn, arn)
        self.check_ids(events)
        types = collections.Counter(e["type"] for e in events)
        self.assertEqual(types["ExecutionRedriven"], 1)
        self.assertEqual(types["PassStateEntered"], 2)  # A once, C once
        self.assertEqual(types["TaskStateEntered"], 2)  # the failed attempt and the redriven one
        redriven = [e for e in events if e["type"] == "ExecutionRedriven"][0]
        self.assertEqual(redriven["executionRedrivenEventDetails"], {"redriveCount": 1})
        self.assertEqual(events[redriven["id"] - 2]["type"], "ExecutionFailed")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.redrive_execution(executionArn=arn)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionNotRedrivable")
        self.assertEqual(cm.exception.response["Error"]["Message"], "Execution is SUCCEEDED and cannot be redriven")
        m = d["stateMachineArn"]
        listed = self.sfn.list_executions(stateMachineArn=m, redriveFilter="REDRIVEN")["executions"]
        self.assertEqual([e["executionArn"] for e in listed], [arn])
        self.assertEqual(listed[0]["redriveCount"], 1)
        self.assertIn("redriveDate", listed[0])
        self.assertEqual(self.sfn.list_executions(stateMachineArn=m, redriveFilter="NOT_REDRIVEN")["executions"], [])

    def test_map_reruns_only_its_failed_iteration(self):
        arn = self.sfn.start_execution(stateMachineArn=self.machine("Mapped", MAP), input="[0, 1, 2, 3]")[
            "executionArn"
        ]
        self.answer(fail=True)
        self.wait_status(arn, "FAILED")
        self.sfn.redrive_execution(executionArn=arn)
        self.answer(fail=False)
        d = self.wait_status(arn, "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), [0, 1, {"did": 2}, 3])
        events = history(self.sfn, arn)
        self.check_ids(events)
        after = events[[e["type"] for e in events].index("ExecutionRedriven") :]
        started = [e["mapIterationStartedEventDetails"]["index"] for e in after if e["type"] == "MapIterationStarted"]
        self.assertEqual(started, [2])

    def test_parallel_reruns_only_its_failed_branch_and_aborted_can_be_redriven(self):
        arn = self.sfn.start_execution(stateMachineArn=self.machine("Par", PAR), input="{}")["executionArn"]
        self.answer(fail=True)
        self.wait_status(arn, "FAILED")
        self.sfn.redrive_execution(executionArn=arn)
        # Stopped while its branch waits: ABORTED executions are redrivable too.
        deadline = time.time() + 30
        while not any(e["type"] == "ActivityScheduled" for e in history(self.sfn, arn)[-3:]):
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.sfn.stop_execution(executionArn=arn)
        d = self.wait_status(arn, "ABORTED")
        self.assertEqual(d["redriveStatus"], "REDRIVABLE")
        self.sfn.redrive_execution(executionArn=arn)
        self.answer(fail=False)
        d = self.wait_status(arn, "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), ["zero", {"did": {}}])
        self.assertEqual(d["redriveCount"], 2)
        events = history(self.sfn, arn)
        self.check_ids(events)
        types = collections.Counter(e["type"] for e in events)
        self.assertEqual(types["ExecutionRedriven"], 2)
        self.assertEqual(types["PassStateEntered"], 1)  # branch 0 ran once

    def test_errors(self):
        ghost = "arn:aws:states:us-east-1:123456789012:execution:Nope:nope"
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.redrive_execution(executionArn=ghost)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionDoesNotExist")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.redrive_execution(executionArn="not-an-arn")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidArn")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.list_executions(stateMachineArn=self.machine("L", CHAIN), redriveFilter="SOMETIMES")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")


if __name__ == "__main__":
    if not has_redrive():
        print("skipped: boto3 missing, or its model has no RedriveExecution (boto3 < 1.33)")
        sys.exit(77)
    unittest.main()
