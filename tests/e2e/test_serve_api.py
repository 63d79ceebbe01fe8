"""`stepd serve` driven by boto3: the first slice of the Step Functions API
(state machines, executions and history in the SQLite store).

Skips (exit 77) when boto3 is not importable."""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import ROLE, STEPD, ServeCase, Server, boto3  # noqa: E402,F401  (also sets dummy credentials)

if boto3 is not None:
    import botocore.exceptions

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": True}}}
WAIT1 = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
WAIT_LONG = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
PASS2 = {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Bad", "Cause": "it went wrong"}}}


class ServeTestCase(ServeCase):
    """One server per test class; checked for a clean exit at the end."""

    def history(self, arn, **kw):
        return self.sfn.get_execution_history(executionArn=arn, **kw)["events"]

    def assertApiError(self, code, fn, *args, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        return err["Message"]


class TestMachines(ServeTestCase):
    def test_create_describe_list_delete(self):
        arn = self.create("m-crud", PASS)
        self.assertEqual(arn, "arn:aws:states:us-east-1:123456789012:stateMachine:m-crud")
        d = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(d["name"], "m-crud")
        self.assertEqual(d["status"], "ACTIVE")
        self.assertEqual(d["type"], "STANDARD")
        self.assertEqual(d["roleArn"], ROLE)
        self.assertEqual(json.loads(d["definition"]), PASS)
        names = [m["name"] for m in self.sfn.list_state_machines()["stateMachines"]]
        self.assertIn("m-crud", names)
        self.sfn.delete_state_machine(stateMachineArn=arn)
        self.assertApiError("StateMachineDoesNotExist", self.sfn.describe_state_machine, stateMachineArn=arn)
        names = [m["name"] for m in self.sfn.list_state_machines()["stateMachines"]]
        self.assertNotIn("m-crud", names)
        # Deleting what does not exist succeeds, as on AWS.
        self.sfn.delete_state_machine(stateMachineArn=arn)

    def test_request_ids(self):
        a = self.sfn.list_state_machines()["ResponseMetadata"]["RequestId"]
        b = self.sfn.list_state_machines()["ResponseMetadata"]["RequestId"]
        self.assertRegex(a, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertNotEqual(a, b)
        # The request log line carries it.
        deadline = time.time() + 10
        while b not in self.server.read_log():
            self.assertLess(time.time(), deadline)
            time.sleep(0.02)

    def test_create_is_idempotent_for_same_definition(self):
        arn = self.create("m-idem", PASS)
        self.assertEqual(self.create("m-idem", PASS), arn)
        msg = self.assertApiError("StateMachineAlreadyExists", self.create, "m-idem", WAIT1)
        self.assertEqual(msg, "State Machine Already Exists: '%s'" % arn)

    def test_tags(self):
        arn = self.create("m-tags", PASS, tags=[{"key": "team", "value": "a"}, {"key": "env", "value": "dev"}])
        self.assertEqual(
            self.sfn.list_tags_for_resource(resourceArn=arn)["tags"],
            [{"key": "team", "value": "a"}, {"key": "env", "value": "dev"}],
        )
        self.sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "prod"}, {"key": "cost", "value": ""}])
        self.sfn.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
        self.assertEqual(
            self.sfn.list_tags_for_resource(resourceArn=arn)["tags"],
            [{"key": "env", "value": "prod"}, {"key": "cost", "value": ""}],
        )
        # Tags belong to the ARN: an update keeps them.
        self.sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(WAIT1))
        self.assertEqual(len(self.sfn.list_tags_for_resource(resourceArn=arn)["tags"]), 2)
        many = [{"key": "k%d" % i, "value": "v"} for i in range(49)]
        self.assertApiError("TooManyTags", self.sfn.tag_resource, resourceArn=arn, tags=many)
        self.assertEqual(len(self.sfn.list_tags_for_resource(resourceArn=arn)["tags"]), 2)
        missing = arn + "-missing"
        msg = self.assertApiError("ResourceNotFound", self.sfn.list_tags_for_resource, resourceArn=missing)
        self.assertEqual(msg, "Resource not found: '%s'" % missing)
        self.assertApiError("ResourceNotFound", self.sfn.tag_resource, resourceArn=missing, tags=[])
        self.assertApiError("InvalidArn", self.sfn.untag_resource, resourceArn="nope", tagKeys=["a"])

    def test_list_state_machines_pages(self):
        for i in range(5):
            self.create("m-page-%d" % i, PASS)
        seen, token = [], None
        while True:
            kw = {"maxResults": 2}
            if token:
                kw["nextToken"] = token
            page = self.sfn.list_state_machines(**kw)
            self.assertLessEqual(len(page["stateMachines"]), 2)
            seen += [m["name"] for m in page["stateMachines"]]
            token = page.get("nextToken")
            if not token:
                break
        for i in range(5):
            self.assertEqual(seen.count("m-page-%d" % i), 1)
        self.assertApiError("InvalidToken", self.sfn.list_state_machines, nextToken="garbage")

    def test_invalid_definition_has_aws_message(self):
        bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}
        msg = self.assertApiError("InvalidDefinition", self.create, "m-bad", bad)
        self.assertEqual(
            msg,
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at "
            "/States/A/Next, MISSING_END_STATE: Workflow has no terminal state at null'",
        )
        msg = self.assertApiError(
            "InvalidDefinition", self.sfn.create_state_machine, name="m-bad2", definition="not json", roleArn=ROLE
        )
        self.assertTrue(msg.startswith("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION"), msg)

    def test_validate_state_machine_definition(self):
        if not hasattr(self.sfn, "validate_state_machine_definition"):
            self.skipTest("this botocore predates ValidateStateMachineDefinition (2024)")
        ok = self.sfn.validate_state_machine_definition(definition=json.dumps(PASS))
        self.assertEqual((ok["result"], ok["diagnostics"]), ("OK", []))
        bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(bad))
        self.assertEqual(r["result"], "FAIL")
        self.assertFalse(r["truncated"])
        self.assertIn(
            {
                "severity": "ERROR",
                "code": "MISSING_TRANSITION_TARGET",
                "message": "Missing 'Next' target: Nope",
                "location": "/States/A/Next",
            },
            r["diagnostics"],
        )
        self.assertEqual({d["severity"] for d in r["diagnostics"]}, {"ERROR"})
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(bad), maxResults=1)
        self.assertEqual((len(r["diagnostics"]), r["truncated"]), (1, True))
        # A Task no connector of this build serves: a warning, shown only
        # when asked for; the definition stays valid.
        task = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                                                  "Parameters": {"TableName": "t", "Key": {}}, "End": True}}}
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(task))
        self.assertEqual((r["result"], r["diagnostics"]), ("OK", []))
        r = self.sfn.validate_state_machine_definition(definition=json.dumps(task), severity="WARNING")
        self.assertEqual(r["result"], "OK")
        self.assertTrue(r["diagnostics"])
        self.assertEqual({d["severity"] for d in r["diagnostics"]}, {"WARNING"})

    def test_invalid_name_and_arn(self):
        self.assertApiError("InvalidName", self.create, "has space", PASS)
        self.assertApiError("InvalidName", self.create, "x" * 81, PASS)
        msg = self.assertApiError("InvalidArn", self.sfn.describe_state_machine, stateMachineArn="not-an-arn")
        self.assertEqual(msg, "Invalid Arn: 'Invalid ARN prefix: not-an-arn'")
        self.assertApiError(
            "InvalidArn",
            self.sfn.describe_state_machine,
            stateMachineArn="arn:aws:states:us-east-1:123456789012:execution:m:e",
        )

    def test_unknown_machine(self):
        arn = "arn:aws:states:us-east-1:123456789012:stateMachine:nope"
        msg = self.assertApiError("StateMachineDoesNotExist", self.sfn.describe_state_machine, stateMachineArn=arn)
        self.assertEqual(msg, "State Machine Does Not Exist: '%s'" % arn)
        self.assertApiError("StateMachineDoesNotExist", self.sfn.start_execution, stateMachineArn=arn)
        self.assertApiError("StateMachineDoesNotExist", self.sfn.list_executions, stateMachineArn=arn)

    def test_unknown_operation(self):
        req = urllib.request.Request(
            self.server.url + "/",
            data=b"{}",
            headers={"X-Amz-Target": "AWSStepFunctions.FlyToTheMoon", "Content-Type": "application/x-amz-json-1.0"},
        )
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(cm.exception.code, 400)
        body = json.loads(cm.exception.read())
        self.assertEqual(body["__type"], "UnknownOperationException")
        self.assertIn("message", body)
        cm.exception.close()


    def raw(self, target, body, method="POST"):
        """Sends a request by hand: (HTTP status, parsed JSON body)."""
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        if target:
            headers["X-Amz-Target"] = target
        req = urllib.request.Request(self.server.url + "/", data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.loads(e.read())
            finally:
                e.close()

    def test_malformed_requests(self):
        status, body = self.raw("AWSStepFunctions.ListStateMachines", b"{not json")
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, body = self.raw("AWSStepFunctions.ListStateMachines", b'{"maxResults": "ten"}')
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, body = self.raw("AWSStepFunctions.ListStateMachines", b'{"maxResults": 1001}')
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))
        status, body = self.raw("AWSStepFunctions.DescribeStateMachine", b"{}")
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))
        status, body = self.raw(None, b"{}")
        self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))
        # An empty body is an empty request, as the SDKs send for no members.
        status, body = self.raw("AWSStepFunctions.ListStateMachines", b"")
        self.assertEqual(status, 200)
        self.assertIn("stateMachines", body)


class TestExecutions(ServeTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sfn = cls.sfn

        def create(name, d):
            return sfn.create_state_machine(name=name, definition=json.dumps(d), roleArn=ROLE)["stateMachineArn"]

        cls.pass_arn = create("pass", PASS)
        cls.wait_arn = create("wait1", WAIT1)
        cls.long_arn = create("waitlong", WAIT_LONG)
        cls.fail_arn = create("fail", FAIL)

    def test_pass_succeeds_with_output_and_history(self):
        r = self.sfn.start_execution(stateMachineArn=self.pass_arn, name="p1", input='{"a": 1}')
        self.assertEqual(r["executionArn"], "arn:aws:states:us-east-1:123456789012:execution:pass:p1")
        d = self.wait_done(r["executionArn"])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(d["name"], "p1")
        self.assertEqual(d["stateMachineArn"], self.pass_arn)
        self.assertEqual(d["input"], '{"a": 1}')
        self.assertEqual(json.loads(d["output"]), {"a": 1, "r": {"x": 1}})
        self.assertGreaterEqual(d["stopDate"], d["startDate"])
        self.assertNotIn("error", d)
        events = self.history(r["executionArn"])
        self.assertEqual(
            [e["type"] for e in events],
            ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        )
        self.assertEqual([e["id"] for e in events], [1, 2, 3, 4])
        self.assertEqual(json.loads(events[-1]["executionSucceededEventDetails"]["output"]), {"a": 1, "r": {"x": 1}})
        # Pages of one, forwards and backwards, give the same events.
        for reverse in (False, True):
            got, token = [], None
            while True:
                kw = {"maxResults": 1, "reverseOrder": reverse}
                if token:
                    kw["nextToken"] = token
                page = self.sfn.get_execution_history(executionArn=r["executionArn"], **kw)
                self.assertEqual(len(page["events"]), 1)
                got += page["events"]
                token = page.get("nextToken")
                if not token:
                    break
            self.assertEqual(got, events[::-1] if reverse else events)

    def test_update_state_machine(self):
        arn = self.sfn.create_state_machine(name="upd", definition=json.dumps(WAIT_LONG), roleArn=ROLE)[
            "stateMachineArn"
        ]
        old = self.sfn.start_execution(stateMachineArn=arn)["executionArn"]
        u = self.sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(PASS))
        self.assertIn("updateDate", u)
        d = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual((json.loads(d["definition"]), d["roleArn"]), (PASS, ROLE))
        # The running execution keeps what it started with; a new one runs the update.
        self.assertEqual(self.sfn.describe_execution(executionArn=old)["status"], "RUNNING")
        self.assertEqual(
            json.loads(self.sfn.describe_state_machine_for_execution(executionArn=old)["definition"]), WAIT_LONG
        )
        new = self.sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        self.assertEqual(json.loads(self.wait_done(new)["output"]), {"r": {"x": 1}})
        fe = self.sfn.describe_state_machine_for_execution(executionArn=new)
        self.assertEqual((json.loads(fe["definition"]), fe["updateDate"]), (PASS, u["updateDate"]))
        role2 = "arn:aws:iam::123456789012:role/other"
        self.sfn.update_state_machine(stateMachineArn=arn, roleArn=role2)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["roleArn"], role2)
        self.assertApiError("MissingRequiredParameter", self.sfn.update_state_machine, stateMachineArn=arn)
        self.assertApiError(
            "InvalidDefinition", self.sfn.update_state_machine, stateMachineArn=arn, definition='{"StartAt": "X"}'
        )
        self.assertApiError(
            "StateMachineDoesNotExist",
            self.sfn.update_state_machine,
            stateMachineArn=arn + "-nope",
            definition=json.dumps(PASS),
        )
        # The execution started before the update still holds the machine
        # in DELETING after a delete.
        self.sfn.delete_state_machine(stateMachineArn=arn)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["status"], "DELETING")
        self.assertApiError(
            "StateMachineDeleting", self.sfn.update_state_machine, stateMachineArn=arn, definition=json.dumps(PASS)
        )
        self.sfn.stop_execution(executionArn=old)
        self.assertApiError("StateMachineDoesNotExist", self.sfn.describe_state_machine, stateMachineArn=arn)

    def test_describe_state_machine_for_execution(self):
        r = self.sfn.start_execution(stateMachineArn=self.pass_arn)
        d = self.sfn.describe_state_machine_for_execution(executionArn=r["executionArn"])
        self.assertEqual((d["stateMachineArn"], d["name"], d["roleArn"]), (self.pass_arn, "pass", ROLE))
        self.assertEqual(json.loads(d["definition"]), PASS)
        self.assertIn("updateDate", d)
        missing = "arn:aws:states:us-east-1:123456789012:execution:pass:missing"
        self.assertApiError("ExecutionDoesNotExist", self.sfn.describe_state_machine_for_execution, executionArn=missing)

    def test_history_without_execution_data(self):
        r = self.sfn.start_execution(stateMachineArn=self.pass_arn, input='{"secret": 1}')
        self.wait_done(r["executionArn"])
        events = self.history(r["executionArn"], includeExecutionData=False)
        self.assertEqual(len(events), 4)
        self.assertNotIn("secret", json.dumps(events, default=str))
        self.assertEqual(events[1]["stateEnteredEventDetails"], {"name": "P"})
        self.assertIn("secret", json.dumps(self.history(r["executionArn"]), default=str))

    def test_history_right_after_start(self):
        # The start is committed before StartExecution answers.
        r = self.sfn.start_execution(stateMachineArn=self.long_arn)
        events = self.history(r["executionArn"])
        self.assertEqual(events[0]["type"], "ExecutionStarted")
        self.sfn.stop_execution(executionArn=r["executionArn"])

    def test_wait_runs_then_succeeds(self):
        r = self.sfn.start_execution(stateMachineArn=self.wait_arn)
        d = self.sfn.describe_execution(executionArn=r["executionArn"])
        self.assertEqual(d["status"], "RUNNING")
        self.assertNotIn("stopDate", d)
        self.assertNotIn("output", d)
        d = self.wait_done(r["executionArn"])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {})
        self.assertGreaterEqual((d["stopDate"] - d["startDate"]).total_seconds(), 0.99)
        types = [e["type"] for e in self.history(r["executionArn"])]
        self.assertEqual(types, ["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"])

    def test_concurrent_executions(self):
        # Several executions wait side by side on the one loop, and a
        # short one finishes while they wait.
        arns = [self.sfn.start_execution(stateMachineArn=self.long_arn)["executionArn"] for _ in range(5)]
        quick = self.sfn.start_execution(stateMachineArn=self.wait_arn)["executionArn"]
        self.assertEqual(self.wait_done(quick)["status"], "SUCCEEDED")
        for arn in arns:
            self.assertEqual(self.sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
        for arn in arns:
            self.sfn.stop_execution(executionArn=arn)
            self.assertEqual(self.sfn.describe_execution(executionArn=arn)["status"], "ABORTED")

    def test_generated_names_are_time_ordered_uuids(self):
        # A name left out is a UUID, version 7 (RFC 9562): its first 48
        # bits are the start time in ms, so names of later executions sort
        # after earlier ones and the store's ARN index grows at its end.
        names = []
        for _ in range(3):
            arn = self.sfn.start_execution(stateMachineArn=self.pass_arn)["executionArn"]
            names.append(arn.rsplit(":", 1)[1])
            time.sleep(0.002)
        for name in names:
            self.assertRegex(name, r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(names, sorted(names))
        self.assertEqual(len(set(names)), 3)
        start = self.sfn.describe_execution(executionArn=arn)["startDate"].timestamp()
        self.assertAlmostEqual(int(names[-1].replace("-", "")[:12], 16) / 1000.0, start, delta=0.002)

    def test_fail(self):
        r = self.sfn.start_execution(stateMachineArn=self.fail_arn)
        d = self.wait_done(r["executionArn"])
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "Custom.Bad")
        self.assertEqual(d["cause"], "it went wrong")
        self.assertNotIn("output", d)
        self.assertIn("execution %s FAILED: Custom.Bad" % r["executionArn"], self.server.read_log())
        last = self.history(r["executionArn"], reverseOrder=True, maxResults=1)[0]
        self.assertEqual(last["type"], "ExecutionFailed")
        self.assertEqual(last["executionFailedEventDetails"], {"error": "Custom.Bad", "cause": "it went wrong"})

    def test_stop(self):
        r = self.sfn.start_execution(stateMachineArn=self.long_arn, name="to-stop")
        s = self.sfn.stop_execution(executionArn=r["executionArn"], error="Manual", cause="probe")
        self.assertIn("stopDate", s)
        d = self.sfn.describe_execution(executionArn=r["executionArn"])
        self.assertEqual(d["status"], "ABORTED")
        self.assertEqual(d["error"], "Manual")
        self.assertEqual(d["cause"], "probe")
        self.assertEqual(d["stopDate"], s["stopDate"])
        last = self.history(r["executionArn"], reverseOrder=True)[0]
        self.assertEqual(last["type"], "ExecutionAborted")
        self.assertEqual(last["executionAbortedEventDetails"], {"error": "Manual", "cause": "probe"})
        # Without error and cause the keys are left out, not null.
        r = self.sfn.start_execution(stateMachineArn=self.long_arn)
        self.sfn.stop_execution(executionArn=r["executionArn"])
        d = self.sfn.describe_execution(executionArn=r["executionArn"])
        self.assertEqual(d["status"], "ABORTED")
        self.assertNotIn("error", d)
        self.assertNotIn("cause", d)

    def test_list_executions_pages_and_filters(self):
        arn = self.sfn.create_state_machine(name="listing", definition=json.dumps(PASS), roleArn=ROLE)[
            "stateMachineArn"
        ]
        names = ["l%d" % i for i in range(5)]
        for n in names:
            self.wait_done(self.sfn.start_execution(stateMachineArn=arn, name=n)["executionArn"])
        seen, token = [], None
        while True:
            kw = {"stateMachineArn": arn, "maxResults": 2}
            if token:
                kw["nextToken"] = token
            page = self.sfn.list_executions(**kw)
            self.assertLessEqual(len(page["executions"]), 2)
            seen += page["executions"]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual([e["name"] for e in seen], names[::-1])  # newest first
        self.assertTrue(all(e["status"] == "SUCCEEDED" and "stopDate" in e for e in seen))
        self.assertEqual(len(self.sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]), 5)
        self.assertEqual(self.sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"], [])

    def test_execution_already_exists(self):
        r = self.sfn.start_execution(stateMachineArn=self.long_arn, name="dup", input='{"k": 1}')
        # Same name and input while running: the same execution, as on AWS.
        again = self.sfn.start_execution(stateMachineArn=self.long_arn, name="dup", input='{"k": 1}')
        self.assertEqual(again["executionArn"], r["executionArn"])
        self.assertEqual(again["startDate"], r["startDate"])
        msg = self.assertApiError(
            "ExecutionAlreadyExists", self.sfn.start_execution, stateMachineArn=self.long_arn, name="dup", input="{}"
        )
        self.assertEqual(msg, "Execution Already Exists: '%s'" % r["executionArn"])
        self.sfn.stop_execution(executionArn=r["executionArn"])
        # A closed execution's name cannot be reused, even with the same input.
        self.assertApiError(
            "ExecutionAlreadyExists",
            self.sfn.start_execution,
            stateMachineArn=self.long_arn,
            name="dup",
            input='{"k": 1}',
        )

    def test_same_name_started_at_once_starts_once(self):
        # Many requests with one new name at the same moment: the name
        # check runs on a worker, and checks of one ARN share one read and
        # answer in turn, so exactly one execution starts. The others get
        # it back (it still runs) or ExecutionAlreadyExists (it closed).
        def post(name, out):
            body = json.dumps({"stateMachineArn": self.pass_arn, "name": name, "input": '{"n": 1}'}).encode()
            req = urllib.request.Request(self.server.url + "/", data=body, method="POST", headers={
                "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.StartExecution"})
            go.wait()
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    out.append(("ok", json.loads(r.read())["executionArn"]))
            except urllib.error.HTTPError as e:
                out.append(("error", json.loads(e.read())["__type"]))

        for round in range(4):
            name = "race-%d" % round
            go = threading.Barrier(16)
            out = []
            threads = [threading.Thread(target=post, args=(name, out)) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            arn = "arn:aws:states:us-east-1:123456789012:execution:pass:" + name
            self.assertEqual(len(out), 16)
            self.assertIn(("ok", arn), out)
            for kind, what in out:
                self.assertEqual(what, arn if kind == "ok" else "ExecutionAlreadyExists")
            self.assertEqual(self.wait_done(arn)["status"], "SUCCEEDED")
            started = [e for e in self.history(arn) if e["type"] == "ExecutionStarted"]
            self.assertEqual(len(started), 1)
        # The writer is fine: new executions still start and run.
        r = self.sfn.start_execution(stateMachineArn=self.pass_arn)
        self.assertEqual(self.wait_done(r["executionArn"])["status"], "SUCCEEDED")

    def test_execution_errors(self):
        missing = "arn:aws:states:us-east-1:123456789012:execution:pass:missing"
        msg = self.assertApiError("ExecutionDoesNotExist", self.sfn.describe_execution, executionArn=missing)
        self.assertEqual(msg, "Execution Does Not Exist: '%s'" % missing)
        self.assertApiError("ExecutionDoesNotExist", self.sfn.get_execution_history, executionArn=missing)
        self.assertApiError("ExecutionDoesNotExist", self.sfn.stop_execution, executionArn=missing)
        self.assertApiError("InvalidArn", self.sfn.describe_execution, executionArn="not-an-arn")
        self.assertApiError("InvalidArn", self.sfn.describe_execution, executionArn=self.pass_arn)
        self.assertApiError("InvalidArn", self.sfn.start_execution, stateMachineArn="not-an-arn")
        self.assertApiError("InvalidExecutionInput", self.sfn.start_execution, stateMachineArn=self.pass_arn, input="{")
        self.assertApiError("InvalidName", self.sfn.start_execution, stateMachineArn=self.pass_arn, name="a/b")

    def test_deleting_machine_with_running_execution(self):
        arn = self.sfn.create_state_machine(name="del-run", definition=json.dumps(WAIT_LONG), roleArn=ROLE)[
            "stateMachineArn"
        ]
        r = self.sfn.start_execution(stateMachineArn=arn)
        self.sfn.delete_state_machine(stateMachineArn=arn)
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["status"], "DELETING")
        self.assertApiError("StateMachineDeleting", self.sfn.start_execution, stateMachineArn=arn)
        self.sfn.stop_execution(executionArn=r["executionArn"])
        self.wait_done(r["executionArn"])
        self.assertApiError("StateMachineDoesNotExist", self.sfn.describe_state_machine, stateMachineArn=arn)
        # The execution itself stays describable, with the machine it ran.
        self.assertEqual(self.sfn.describe_execution(executionArn=r["executionArn"])["status"], "ABORTED")
        d = self.sfn.describe_state_machine_for_execution(executionArn=r["executionArn"])
        self.assertEqual(json.loads(d["definition"]), WAIT_LONG)
        # A machine created again under the same name is a new one; the old
        # execution still describes the definition it ran.
        self.sfn.create_state_machine(name="del-run", definition=json.dumps(PASS), roleArn=ROLE)
        d = self.sfn.describe_state_machine_for_execution(executionArn=r["executionArn"])
        self.assertEqual(json.loads(d["definition"]), WAIT_LONG)


class TestCommandLine(unittest.TestCase):
    def serve(self, *args):
        return subprocess.run([STEPD, "serve", *args], capture_output=True, text=True, timeout=30)

    def test_bad_arguments_exit_2(self):
        for args in (["--log-level", "loud"], ["--bogus", "1"], ["stray"]):
            r = self.serve("--db", ":memory:", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("usage: stepd serve", r.stderr)
        for addr in ("nowhere", "127.0.0.1:99999", "300.1.1.1:8083"):
            r = self.serve("--db", ":memory:", "--listen", addr)
            self.assertEqual(r.returncode, 2, (addr, r.stderr))
            self.assertIn("listen address '%s'" % addr, r.stderr)
        self.assertEqual(self.serve("--help").returncode, 0)

    def test_ipv6(self):
        try:
            with socket.socket(socket.AF_INET6) as probe:
                probe.bind(("::1", 0))
        except OSError:
            self.skipTest("no IPv6 loopback")
        server = Server(db=":memory:", host="[::1]")
        try:
            self.assertEqual(server.client().list_state_machines()["stateMachines"], [])
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()

    def test_port_in_use_exits_2(self):
        server = Server()
        try:
            r = self.serve("--db", ":memory:", "--listen", "127.0.0.1:%d" % server.port)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("cannot listen on", r.stderr)
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()


class TestShutdown(unittest.TestCase):
    def test_sigterm_under_load(self):
        # Requests in flight, some suspended on a commit, and executions
        # waiting: SIGTERM still ends the process cleanly.
        server = Server()
        try:
            sfn = server.client()
            arn = sfn.create_state_machine(name="busy", definition=json.dumps(WAIT1), roleArn=ROLE)["stateMachineArn"]
            stop = threading.Event()

            def work():
                client = server.client()
                while not stop.is_set():
                    try:
                        e = client.start_execution(stateMachineArn=arn)["executionArn"]
                        client.get_execution_history(executionArn=e)
                    except Exception:  # the server went away: expected
                        return

            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            deadline = time.time() + 30
            while server.read_log().count("StartExecution 200") < 20 and time.time() < deadline:
                time.sleep(0.02)
            code = server.stop()
            stop.set()
            for t in threads:
                t.join(timeout=30)
            log = server.read_log()
            self.assertEqual(code, 0, log[-3000:])
            self.assertNotIn("Sanitizer", log)
            self.assertNotIn("runtime error", log)
        finally:
            server.cleanup()


class TestStore(unittest.TestCase):
    """Executions and history reach the SQLite file; shutdown is clean even
    with an execution still running."""

    def test_rows_in_database_and_clean_shutdown(self):
        server = Server()
        try:
            sfn = server.client()
            m = sfn.create_state_machine(
                name="durable", definition=json.dumps(PASS), roleArn=ROLE, tags=[{"key": "team", "value": "a"}]
            )
            done = sfn.start_execution(stateMachineArn=m["stateMachineArn"], name="d1", input='{"a":  1}')[
                "executionArn"
            ]
            w = sfn.create_state_machine(name="longer", definition=json.dumps(WAIT_LONG), roleArn=ROLE)
            running = sfn.start_execution(stateMachineArn=w["stateMachineArn"], name="r1")["executionArn"]
            gone = sfn.create_state_machine(name="gone", definition=json.dumps(PASS), roleArn=ROLE)
            deadline = time.time() + 30
            while sfn.describe_execution(executionArn=done)["status"] == "RUNNING":
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            # Changes after creation are written through too.
            sfn.update_state_machine(stateMachineArn=m["stateMachineArn"], definition=json.dumps(PASS2))
            sfn.tag_resource(resourceArn=m["stateMachineArn"], tags=[{"key": "env", "value": "prod"}])
            sfn.untag_resource(resourceArn=m["stateMachineArn"], tagKeys=["team"])
            sfn.delete_state_machine(stateMachineArn=gone["stateMachineArn"])
            before = sfn.describe_state_machine(stateMachineArn=m["stateMachineArn"])
            code = server.stop()
            log = server.read_log()
            self.assertEqual(code, 0, log)
            self.assertNotIn("Sanitizer", log)
            self.assertIn("POST / StartExecution 200", log)
            self.assertIn("execution %s started" % done, log)
            self.assertIn("execution %s SUCCEEDED" % done, log)
            db = sqlite3.connect(server.db)
            try:
                rows = dict(db.execute("SELECT arn, status FROM executions").fetchall())
                self.assertEqual(rows, {done: "SUCCEEDED", running: "RUNNING"})
            finally:
                db.close()
            # History and state machines outlive the process: a new server
            # on the same file reads them back.
            again = Server(db=server.db)
            try:
                sfn2 = again.client()
                names = [x["name"] for x in sfn2.list_state_machines()["stateMachines"]]
                self.assertEqual(names, ["durable", "longer"])
                after = sfn2.describe_state_machine(stateMachineArn=m["stateMachineArn"])
                for k in ("definition", "roleArn", "type", "creationDate", "status", "name"):
                    self.assertEqual(after[k], before[k], k)
                self.assertEqual(json.loads(after["definition"]), PASS2)
                self.assertEqual(
                    sfn2.list_tags_for_resource(resourceArn=m["stateMachineArn"])["tags"],
                    [{"key": "env", "value": "prod"}],
                )
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    sfn2.describe_state_machine(stateMachineArn=gone["stateMachineArn"])
                self.assertEqual(cm.exception.response["Error"]["Code"], "StateMachineDoesNotExist")
                # Executions of the earlier run are listed, filtered, and
                # describe the revision they ran and the input as given.
                listed = sfn2.list_executions(stateMachineArn=m["stateMachineArn"])["executions"]
                self.assertEqual([(e["name"], e["status"]) for e in listed], [("d1", "SUCCEEDED")])
                self.assertEqual(
                    [e["executionArn"] for e in sfn2.list_executions(stateMachineArn=w["stateMachineArn"], statusFilter="RUNNING")["executions"]],
                    [running],
                )
                self.assertEqual(
                    sfn2.list_executions(stateMachineArn=w["stateMachineArn"], statusFilter="SUCCEEDED")["executions"], []
                )
                ran = sfn2.describe_state_machine_for_execution(executionArn=done)
                self.assertEqual(json.loads(ran["definition"]), PASS)
                self.assertEqual(sfn2.describe_execution(executionArn=done)["input"], '{"a":  1}')
                # The machine runs here too.
                e2 = sfn2.start_execution(stateMachineArn=m["stateMachineArn"], name="d2")["executionArn"]
                deadline = time.time() + 30
                while sfn2.describe_execution(executionArn=e2)["status"] == "RUNNING":
                    self.assertLess(time.time(), deadline)
                    time.sleep(0.05)
                listed = sfn2.list_executions(stateMachineArn=m["stateMachineArn"])["executions"]
                self.assertEqual([e["name"] for e in listed], ["d2", "d1"])
                events = sfn2.get_execution_history(executionArn=done)["events"]
                self.assertEqual(len(events), 4)
                self.assertEqual(events[-1]["type"], "ExecutionSucceeded")
                d = sfn2.describe_execution(executionArn=done)
                self.assertEqual((d["status"], d["name"]), ("SUCCEEDED", "d1"))
                self.assertEqual(json.loads(d["output"]), {"a": 1, "r": {"x": 1}})
                self.assertEqual(d["stateMachineArn"], m["stateMachineArn"])
                self.assertIn("stopDate", d)
                # Its name stays taken; the same definition again is the
                # same machine (idempotent), as on AWS.
                arn2 = sfn2.create_state_machine(name="durable", definition=json.dumps(PASS2), roleArn=ROLE)
                self.assertEqual(arn2["creationDate"], before["creationDate"])
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    sfn2.start_execution(stateMachineArn=arn2["stateMachineArn"], name="d1")
                self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionAlreadyExists")
                self.assertEqual(again.stop(), 0, again.read_log())
            finally:
                again.cleanup()
        finally:
            server.cleanup()

    def test_memory_database(self):
        # With --db :memory: history reads wait for the writer (a barrier)
        # and go through its handle.
        server = Server(db=":memory:")
        try:
            sfn = server.client()
            m = sfn.create_state_machine(name="mem", definition=json.dumps(PASS), roleArn=ROLE)
            arn = sfn.start_execution(stateMachineArn=m["stateMachineArn"])["executionArn"]
            events = sfn.get_execution_history(executionArn=arn)["events"]
            self.assertEqual(events[0]["type"], "ExecutionStarted")
            # A name check reads the store inside a barrier (no read
            # handle): a closed execution's name is taken, a new one is not.
            named = sfn.start_execution(stateMachineArn=m["stateMachineArn"], name="once", input="{}")
            deadline = time.time() + 10
            while sfn.describe_execution(executionArn=named["executionArn"])["status"] == "RUNNING":
                self.assertLess(time.time(), deadline)
                time.sleep(0.02)
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                sfn.start_execution(stateMachineArn=m["stateMachineArn"], name="once", input="{}")
            self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionAlreadyExists")
            other = sfn.start_execution(stateMachineArn=m["stateMachineArn"], name="twice", input="{}")
            self.assertTrue(other["executionArn"].endswith(":twice"))
            self.assertEqual(server.stop(), 0, server.read_log())
        finally:
            server.cleanup()


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
