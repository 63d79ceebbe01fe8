"""`stepd serve` as a Step Functions Local stand-in, driven by boto3: mock
test cases selected with "<state machine ARN>#<TestCase>" (--mock-config),
WAIT_TIME_SCALE / --wait-scale, and EXPRESS state machines (no history,
express ARNs, StartSyncExecution).

Skips (exit 77) when boto3 is not importable."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import ROLE, STEPD, ServeCase, Server, boto3, history  # noqa: E402,F401  (names other tests import from here)

if boto3 is not None:
    import botocore.exceptions

PREFIX = "arn:aws:states:us-east-1:123456789012:"

# A Task retried on the service's error: the mock answers each attempt.
PAY = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "ResultSelector": {"charged.$": "$.Payload.charged"},
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "End": True,
        }
    },
}
MOCK_CONFIG = {
    "StateMachines": {
        "Pay": {
            "TestCases": {
                "Flaky": {"Charge": "FailTwiceThenCharge"},
                "Down": {"Charge": "AlwaysDown"},
            }
        }
    },
    "MockedResponses": {
        "FailTwiceThenCharge": {
            "0-1": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "Service unavailable"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"charged": True}}},
        },
        "AlwaysDown": {
            "0-3": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "Service unavailable"}},
        },
    },
}
WAIT_HOUR = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
WAIT_LONG = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Bad", "Cause": "it went wrong"}}}


class CompatCase(ServeCase):
    def assert_error(self, code, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        self.assertEqual(cm.exception.response["Error"]["Code"], code, cm.exception.response)
        return cm.exception.response["Error"]["Message"]


class OtherRegion(CompatCase):
    """--region: ARNs and TaskScheduled's region name the server's region."""

    @classmethod
    def setUpClass(cls):
        cls.cfg_dir = tempfile.TemporaryDirectory()
        path = os.path.join(cls.cfg_dir.name, "MockConfigFile.json")
        with open(path, "w") as f:
            json.dump(MOCK_CONFIG, f)
        cls.ARGS = ("--mock-config", path, "--region", "eu-west-1", "--wait-scale", "0")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.cfg_dir.cleanup()

    def test_task_scheduled_names_the_servers_region(self):
        pay = self.create("Pay", PAY)
        self.assertIn(":eu-west-1:", pay)
        arn = self.sfn.start_execution(stateMachineArn=pay + "#Flaky")["executionArn"]
        self.assertEqual(self.wait_done(arn)["status"], "SUCCEEDED")
        events = self.sfn.get_execution_history(executionArn=arn)["events"]
        regions = {e["taskScheduledEventDetails"]["region"] for e in events if e["type"] == "TaskScheduled"}
        self.assertEqual(regions, {"eu-west-1"}, events)


class MockTestCases(CompatCase):
    """--mock-config with WAIT_TIME_SCALE=0, as Step Functions Local is used."""

    @classmethod
    def setUpClass(cls):
        cls.cfg_dir = tempfile.TemporaryDirectory()
        path = os.path.join(cls.cfg_dir.name, "MockConfigFile.json")
        with open(path, "w") as f:
            json.dump(MOCK_CONFIG, f)
        cls.ARGS = ("--mock-config", path)
        cls.ENV = {"WAIT_TIME_SCALE": "0"}
        super().setUpClass()
        cls.pay = cls.sfn.create_state_machine(name="Pay", definition=json.dumps(PAY), roleArn=ROLE)[
            "stateMachineArn"
        ]

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.cfg_dir.cleanup()

    def test_throw_then_return_across_retries(self):
        arn = self.sfn.start_execution(stateMachineArn=self.pay + "#Flaky", input='{"amount": 5}')["executionArn"]
        # The execution belongs to the machine named before '#'.
        self.assertEqual(arn.rsplit(":", 1)[0], PREFIX + "execution:Pay")
        d = self.wait_done(arn)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"charged": True})
        self.assertEqual(d["stateMachineArn"], self.pay)
        types = [e["type"] for e in self.sfn.get_execution_history(executionArn=arn)["events"]]
        self.assertEqual(types.count("TaskFailed"), 2, types)
        self.assertEqual(types.count("TaskSucceeded"), 1, types)

    def test_retries_run_out(self):
        arn = self.sfn.start_execution(stateMachineArn=self.pay + "#Down")["executionArn"]
        d = self.wait_done(arn)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertEqual(d["error"], "Lambda.ServiceException")
        self.assertEqual(d["cause"], "Service unavailable")

    def test_counters_are_per_execution(self):
        arns = [self.sfn.start_execution(stateMachineArn=self.pay + "#Flaky")["executionArn"] for _ in range(3)]
        for arn in arns:
            self.assertEqual(self.wait_done(arn)["status"], "SUCCEEDED")

    def test_unknown_test_case(self):
        msg = self.assert_error("ValidationException", self.sfn.start_execution, stateMachineArn=self.pay + "#Nope")
        self.assertIn("Nope", msg)
        self.assertIn("Flaky", msg)  # the ones that exist are listed

    def test_trailing_hash_names_no_machine(self):
        self.assert_error("StateMachineDoesNotExist", self.sfn.start_execution, stateMachineArn=self.pay + "#")

    def test_unknown_machine_with_test_case(self):
        self.assert_error(
            "StateMachineDoesNotExist", self.sfn.start_execution, stateMachineArn=PREFIX + "stateMachine:No#Flaky"
        )

    def test_without_test_case_the_task_is_not_mocked(self):
        # No test case selected: the lambda connector is not built in, so
        # the Task fails as an unserved resource would, not with a mock's.
        arn = self.sfn.start_execution(stateMachineArn=self.pay)["executionArn"]
        d = self.wait_done(arn)
        self.assertEqual(d["status"], "FAILED", d)
        self.assertNotEqual(d.get("error"), "Lambda.ServiceException")

    def test_wait_time_scale_zero(self):
        m = self.create("hour", WAIT_HOUR)
        t0 = time.time()
        arn = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        self.assertEqual(self.wait_done(arn, timeout=10)["status"], "SUCCEEDED")
        self.assertLess(time.time() - t0, 10)

    def test_sync_execution_with_test_case(self):
        m = self.create("Pay-express", PAY, type="EXPRESS")
        # The test case is looked up under the machine's name: Pay-express
        # has none in the config.
        self.assert_error("ValidationException", self.sfn.start_sync_execution, stateMachineArn=m + "#Flaky")


class ExpressMockCase(CompatCase):
    """StartSyncExecution running a mock test case."""

    @classmethod
    def setUpClass(cls):
        cls.cfg_dir = tempfile.TemporaryDirectory()
        path = os.path.join(cls.cfg_dir.name, "mock.json")
        cfg = json.loads(json.dumps(MOCK_CONFIG))
        cfg["StateMachines"]["PayX"] = cfg["StateMachines"].pop("Pay")
        with open(path, "w") as f:
            json.dump(cfg, f)
        cls.ARGS = ("--mock-config", path, "--wait-scale", "0")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.cfg_dir.cleanup()

    def test_sync_runs_the_test_case(self):
        m = self.create("PayX", PAY, type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=m + "#Flaky", input="{}")
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertEqual(json.loads(r["output"]), {"charged": True})
        r = self.sfn.start_sync_execution(stateMachineArn=m + "#Down")
        self.assertEqual(r["status"], "FAILED", r)
        self.assertEqual(r["error"], "Lambda.ServiceException")


class Express(CompatCase):
    """EXPRESS machines without a mock config, real-time waits."""

    def test_sync_success(self):
        m = self.create("exp-ok", PASS, type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=m, name="run-1", input='{"a": 1}')
        self.assertEqual(r["status"], "SUCCEEDED", r)
        self.assertRegex(r["executionArn"], "^" + re.escape(PREFIX) + "express:exp-ok:run-1:[0-9a-f-]{36}$")
        self.assertEqual(r["stateMachineArn"], m)
        self.assertEqual(r["name"], "run-1")
        self.assertEqual(r["input"], '{"a": 1}')
        self.assertEqual(json.loads(r["output"]), {"a": 1, "r": {"x": 1}})
        self.assertLessEqual(r["startDate"], r["stopDate"])
        self.assertNotIn("error", r)
        self.assertEqual(r["billingDetails"]["billedMemoryUsedInMB"], 64)
        self.assertGreaterEqual(r["billingDetails"]["billedDurationInMilliseconds"], 100)
        # METADATA_ONLY leaves the payloads out (a 2024 parameter: Debian 12's
        # botocore 1.29 does not know it).
        if "includedData" not in self.sfn.meta.service_model.operation_model(
                "StartSyncExecution").input_shape.members:
            return
        r = self.sfn.start_sync_execution(stateMachineArn=m, includedData="METADATA_ONLY")
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertNotIn("output", r)
        self.assertNotIn("input", r)

    def test_sync_failure(self):
        m = self.create("exp-fail", FAIL, type="EXPRESS")
        r = self.sfn.start_sync_execution(stateMachineArn=m)
        self.assertEqual(r["status"], "FAILED", r)
        self.assertEqual(r["error"], "Custom.Bad")
        self.assertEqual(r["cause"], "it went wrong")
        self.assertNotIn("output", r)

    def test_sync_waits_for_the_end(self):
        m = self.create("exp-wait", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}},
                        type="EXPRESS")
        t0 = time.time()
        r = self.sfn.start_sync_execution(stateMachineArn=m)
        self.assertEqual(r["status"], "SUCCEEDED")
        self.assertGreaterEqual(time.time() - t0, 0.9)

    def test_sync_on_standard_is_refused(self):
        m = self.create("std", PASS)
        msg = self.assert_error("StateMachineTypeNotSupported", self.sfn.start_sync_execution, stateMachineArn=m)
        self.assertEqual(msg, "This operation is not supported by this type of state machine")

    def test_sync_errors(self):
        self.assert_error(
            "StateMachineDoesNotExist", self.sfn.start_sync_execution, stateMachineArn=PREFIX + "stateMachine:none"
        )
        m = self.create("exp-bad-input", PASS, type="EXPRESS")
        self.assert_error("InvalidExecutionInput", self.sfn.start_sync_execution, stateMachineArn=m, input="{")
        self.assert_error("InvalidName", self.sfn.start_sync_execution, stateMachineArn=m, name="a b")

    def test_no_history(self):
        m = self.create("exp-async", PASS, type="EXPRESS")
        arn = self.sfn.start_execution(stateMachineArn=m, input="{}")["executionArn"]
        self.assertTrue(arn.startswith(PREFIX + "express:exp-async:"), arn)
        msg = self.assert_error("InvalidArn", self.sfn.get_execution_history, executionArn=arn)
        self.assertEqual(msg, "Invalid Arn: 'Resource type not valid in this context: express'")
        r = self.sfn.start_sync_execution(stateMachineArn=m)
        msg = self.assert_error("InvalidArn", self.sfn.get_execution_history, executionArn=r["executionArn"])
        for fn in (self.sfn.describe_execution, self.sfn.stop_execution):
            self.assert_error("InvalidArn", fn, executionArn=arn)
        # Nothing of either reached the history.
        time.sleep(0.3)
        db = sqlite3.connect(self.server.db)
        try:
            rows = db.execute(
                "SELECT count(*) FROM events WHERE exec_id IN (SELECT id FROM executions WHERE arn IN (?, ?))",
                (arn, r["executionArn"]),
            ).fetchone()[0]
        finally:
            db.close()
        self.assertEqual(rows, 0)

    def test_standard_keeps_history(self):
        m = self.create("std-hist", PASS)
        arn = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        self.wait_done(arn)
        events = self.sfn.get_execution_history(executionArn=arn)["events"]
        self.assertEqual(events[-1]["type"], "ExecutionSucceeded")

    def test_hash_without_mock_config(self):
        # AWS: a '#' is just part of the name, which names no machine.
        m = self.create("plain", PASS)
        self.assert_error("StateMachineDoesNotExist", self.sfn.start_execution, stateMachineArn=m + "#Case")

    def test_wait_time_is_real_by_default(self):
        m = self.create("hour-real", WAIT_HOUR)
        arn = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        time.sleep(0.3)
        self.assertEqual(self.sfn.describe_execution(executionArn=arn)["status"], "RUNNING")
        self.sfn.stop_execution(executionArn=arn)


class Shutdown(unittest.TestCase):
    def test_sigterm_answers_waiting_sync_requests(self):
        server = Server()
        try:
            sfn = server.client()
            m = sfn.create_state_machine(
                name="long", definition=json.dumps(WAIT_LONG), roleArn=ROLE, type="EXPRESS"
            )["stateMachineArn"]
            box = {}

            def call():
                try:
                    box["r"] = sfn.start_sync_execution(stateMachineArn=m)
                except Exception as e:  # noqa: BLE001 - reported below
                    box["e"] = e

            t = threading.Thread(target=call)
            t.start()
            deadline = time.time() + 10
            while "started (synchronous)" not in server.read_log() and time.time() < deadline:
                time.sleep(0.02)
            t0 = time.time()
            # Without the stop the parked request would hold the shutdown
            # for the Wait's 600 s.
            self.assertEqual(server.stop(), 0, server.read_log())
            self.assertLess(time.time() - t0, 15)
            t.join(20)
            log = server.read_log()
            self.assertRegex(log, r"execution \S+:express:long:\S+ ABORTED")
            self.assertIn("r", box, box)
            self.assertEqual(box["r"]["status"], "ABORTED")
            self.assertEqual(box["r"]["error"], "States.Aborted")
            self.assertNotIn("Sanitizer", log)
        finally:
            server.kill()
            server.tmp.cleanup()

    def test_bad_wait_scale(self):
        for args, env in ((["--wait-scale", "-1"], None), ([], {"WAIT_TIME_SCALE": "fast"})):
            full = dict(os.environ)
            full.update(env or {})
            p = subprocess.run([STEPD, "serve", "--listen", "127.0.0.1:0", "--db", ":memory:"] + args,
                               env=full, capture_output=True, text=True, timeout=20)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("must be a number >= 0", p.stderr)

    def test_bad_mock_config(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.json")
            with open(path, "w") as f:
                f.write('{"StateMachines": 1}')
            p = subprocess.run([STEPD, "serve", "--listen", "127.0.0.1:0", "--db", ":memory:", "--mock-config",
                                path], capture_output=True, text=True, timeout=20)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("m.json", p.stderr)


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
