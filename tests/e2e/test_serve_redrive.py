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
from test_serve_compat import ROLE, boto3  # noqa: E402
from serve_harness import Server, history  # noqa: E402

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

FAILS = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Bad", "Cause": "again"}}}
# Under --wait-scale 0 the Wait fires at once and moves the server's clock
# 1,000 s on: past the 15 minutes a clientToken lives.
WAIT_THEN_FAIL = {
    "StartAt": "W",
    "States": {"W": {"Type": "Wait", "Seconds": 1000, "Next": "F"}, "F": FAILS["States"]["F"]},
}


def wait_status(test, sfn, arn, status):
    deadline = time.time() + 30
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] == status:
            return d
        test.assertLess(time.time(), deadline, d)
        time.sleep(0.05)


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
        return wait_status(self, self.sfn, arn, status)

    def fail_then_redrive(self, name, definition, input):
        """Starts an execution whose activity task fails, redrives it and
        answers the task this time: the execution, SUCCEEDED."""
        arn = self.sfn.start_execution(stateMachineArn=self.machine(name, definition), input=input)["executionArn"]
        self.answer(fail=True)
        self.wait_status(arn, "FAILED")
        self.sfn.redrive_execution(executionArn=arn)
        self.answer(fail=False)
        return arn, self.wait_status(arn, "SUCCEEDED")

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

    def test_context_object_counts_the_redrive(self):
        # $$.Execution is built when a state reads it (engine/context.c):
        # after the redrive it carries the new RedriveCount, and the same
        # Id and Input.
        ctx = {"id.$": "$$.Execution.Id", "in.$": "$$.Execution.Input", "n.$": "$$.Execution.RedriveCount"}
        definition = {
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Parameters": ctx, "ResultPath": "$.a", "Next": "T"},
                "T": {"Type": "Task", "Resource": ACT + "work", "ResultPath": None, "Next": "C"},
                "C": {"Type": "Pass", "Parameters": ctx, "ResultPath": "$.c", "End": True},
            },
        }
        arn, d = self.fail_then_redrive("CtxRedrive", definition, '{"x": 1}')
        out = json.loads(d["output"])
        self.assertEqual(out["a"], {"id": arn, "in": {"x": 1}, "n": 0})
        self.assertEqual(out["c"], {"id": arn, "in": {"x": 1}, "n": 1})

    def test_map_reruns_only_its_failed_iteration(self):
        arn, d = self.fail_then_redrive("Mapped", MAP, "[0, 1, 2, 3]")
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

    def failed(self, name, definition=FAILS):
        arn = self.sfn.start_execution(stateMachineArn=self.machine(name, definition))["executionArn"]
        self.wait_status(arn, "FAILED")
        return arn

    def redriven_events(self, arn):
        return [e for e in history(self.sfn, arn) if e["type"] == "ExecutionRedriven"]

    def test_client_token_answers_a_retry_without_redriving_again(self):
        arn = self.failed("Tokens")
        first = self.sfn.redrive_execution(executionArn=arn, clientToken="retry-me")
        # Running again (or already failed again): the retry is answered as
        # the first request was, and nothing is redriven twice.
        again = self.sfn.redrive_execution(executionArn=arn, clientToken="retry-me")
        self.assertEqual(again["redriveDate"], first["redriveDate"])
        self.wait_status(arn, "FAILED")
        again = self.sfn.redrive_execution(executionArn=arn, clientToken="retry-me")
        self.assertEqual(again["redriveDate"], first["redriveDate"])
        d = self.sfn.describe_execution(executionArn=arn)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["redriveCount"], 1)
        self.assertEqual(len(self.redriven_events(arn)), 1)
        # Another token is another redrive.
        second = self.sfn.redrive_execution(executionArn=arn, clientToken="another")
        self.assertGreaterEqual(second["redriveDate"], first["redriveDate"])
        self.wait_status(arn, "FAILED")
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["redriveCount"], 2)
        # A token belongs to the execution it redrove.
        other = self.failed("Tokens2")
        self.sfn.redrive_execution(executionArn=other, clientToken="retry-me")
        self.wait_status(other, "FAILED")
        self.assertEqual(self.sfn.describe_execution(executionArn=other)["redriveCount"], 1)
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["redriveCount"], 2)

    def test_client_token_only_the_last_ten_are_kept(self):
        arn = self.failed("TenTokens")
        dates = {}
        for i in range(11):
            dates[i] = self.sfn.redrive_execution(executionArn=arn, clientToken="t%d" % i)["redriveDate"]
            self.wait_status(arn, "FAILED")
        self.assertEqual(self.sfn.redrive_execution(executionArn=arn, clientToken="t10")["redriveDate"], dates[10])
        self.assertEqual(self.sfn.redrive_execution(executionArn=arn, clientToken="t1")["redriveDate"], dates[1])
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["redriveCount"], 11)
        # t0 fell out of the ten: it redrives again.
        self.sfn.redrive_execution(executionArn=arn, clientToken="t0")
        self.wait_status(arn, "FAILED")
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["redriveCount"], 12)

    def test_a_refused_redrive_keeps_no_token(self):
        arn = self.sfn.start_execution(stateMachineArn=self.machine("Refused", CHAIN))["executionArn"]
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.redrive_execution(executionArn=arn, clientToken="early")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionNotRedrivable")
        self.answer(fail=True)
        self.wait_status(arn, "FAILED")
        self.sfn.redrive_execution(executionArn=arn, clientToken="early")
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["redriveCount"], 1)
        self.answer(fail=False)
        self.wait_status(arn, "SUCCEEDED")

    def test_client_token_shape_is_checked(self):
        arn = self.failed("BadToken")
        for token, message in [
            ("x" * 65, "Member must have length less than or equal to 64"),
            ("has space", "Member must satisfy regular expression pattern: [!-~]+"),
        ]:
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.sfn.redrive_execution(executionArn=arn, clientToken=token)
            self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")
            self.assertIn(message, cm.exception.response["Error"]["Message"])
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["redriveCount"], 0)

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


@unittest.skipUnless(has_redrive(), "boto3 missing, or its model has no RedriveExecution (boto3 < 1.33)")
class TestRedriveTokenExpiry(unittest.TestCase):
    def test_a_client_token_expires_after_15_minutes(self):
        server = Server(["--wait-scale", "0"])
        try:
            sfn = server.client()
            m = sfn.create_state_machine(name="Late", definition=json.dumps(FAILS), roleArn=ROLE)["stateMachineArn"]
            w = sfn.create_state_machine(name="Clock", definition=json.dumps(WAIT_THEN_FAIL), roleArn=ROLE)
            arn = sfn.start_execution(stateMachineArn=m)["executionArn"]
            wait_status(self, sfn, arn, "FAILED")
            first = sfn.redrive_execution(executionArn=arn, clientToken="late")
            wait_status(self, sfn, arn, "FAILED")
            # 1,000 s of engine time go by.
            clock = sfn.start_execution(stateMachineArn=w["stateMachineArn"])["executionArn"]
            wait_status(self, sfn, clock, "FAILED")
            later = sfn.redrive_execution(executionArn=arn, clientToken="late")
            self.assertGreater(later["redriveDate"], first["redriveDate"])
            wait_status(self, sfn, arn, "FAILED")
            self.assertEqual(sfn.describe_execution(executionArn=arn)["redriveCount"], 2)
        finally:
            server.check_clean_exit()


if __name__ == "__main__":
    if not has_redrive():
        print("skipped: boto3 missing, or its model has no RedriveExecution (boto3 < 1.33)")
        sys.exit(77)
    unittest.main()
