"""Connectors under `stepd serve`, driven by boto3, against our Lambda fake
(tests/fakes/lambda_fake.py): lambda:invoke.waitForTaskToken completed by
SendTaskSuccess, a heartbeat that never comes, StopExecution cancelling a
call in flight, and the calls in the server's log.

Skips (exit 77) when boto3 is not importable."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_servers import CLEAN_ENV, LambdaFake  # noqa: E402

try:
    import boto3
except ImportError:  # pragma: no cover - depends on the machine
    boto3 = None

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")
ROLE = "arn:aws:iam::123456789012:role/stepd-test"


def invoke(fn, payload, resource="arn:aws:states:::lambda:invoke", **extra):
    st = {"Type": "Task", "Resource": resource, "Parameters": {"FunctionName": fn, "Payload": payload},
          "End": True}
    st.update(extra)
    return {"StartAt": "Call", "States": {"Call": st}}


class ServeConnectors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = LambdaFake()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.log_path = os.path.join(cls.tmp.name, "serve.log")
        cls.log = open(cls.log_path, "w")
        env = dict(CLEAN_ENV, AWS_ENDPOINT_URL_LAMBDA=cls.fake.url)
        cls.proc = subprocess.Popen([STEPD, "serve", "--listen", "127.0.0.1:0", "--db", ":memory:"],
                                    stdout=subprocess.DEVNULL, stderr=cls.log, env=env)
        port = None
        for _ in range(500):
            m = re.search(r"listening on 127.0.0.1:(\d+)", cls.read_log())
            if m:
                port = m.group(1)
                break
            time.sleep(0.02)
        if port is None:
            cls.tearDownClass()
            raise RuntimeError("stepd serve did not start:\n" + cls.read_log())
        cls.sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:" + port, region_name="us-east-1",
                               aws_access_key_id="x", aws_secret_access_key="x")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(20)
        cls.log.close()
        cls.fake.stop()
        cls.tmp.cleanup()

    @classmethod
    def read_log(cls):
        with open(cls.log_path) as f:
            return f.read()

    def start(self, name, definition, input=None):
        arn = self.sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"]
        return self.sfn.start_execution(stateMachineArn=arn, input=json.dumps(input or {}))["executionArn"]

    def wait(self, ex, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            d = self.sfn.describe_execution(executionArn=ex)
            if d["status"] != "RUNNING":
                return d
            time.sleep(0.05)
        self.fail("the execution did not end")

    def events(self, ex):
        return self.sfn.get_execution_history(executionArn=ex)["events"]

    def wait_event(self, ex, type_):
        for _ in range(400):
            found = [e for e in self.events(ex) if e["type"] == type_]
            if found:
                return found[0]
            time.sleep(0.05)
        self.fail("no %s event" % type_)

    def test_wait_for_task_token(self):
        ex = self.start("tok", invoke("echo", {"token.$": "$$.Task.Token"},
                                      "arn:aws:states:::lambda:invoke.waitForTaskToken"))
        sub = self.wait_event(ex, "TaskSubmitted")
        out = json.loads(sub["taskSubmittedEventDetails"]["output"])
        self.assertEqual(out["StatusCode"], 200)
        self.sfn.send_task_success(taskToken=out["Payload"]["token"], output='{"approved": true}')
        d = self.wait(ex)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"approved": True})

    def test_heartbeat_timeout(self):
        ex = self.start("hb", invoke("echo", {"token.$": "$$.Task.Token"},
                                     "arn:aws:states:::lambda:invoke.waitForTaskToken", HeartbeatSeconds=1))
        d = self.wait(ex)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.HeartbeatTimeout")

    def test_stop_cancels_call_in_flight(self):
        ex = self.start("stop", invoke("sleep-30000", {}))
        self.wait_event(ex, "TaskStarted")
        time.sleep(0.3)
        self.sfn.stop_execution(executionArn=ex, error="Ops", cause="stopped by the test")
        d = self.wait(ex, timeout=5)
        self.assertEqual(d["status"], "ABORTED")
        for _ in range(100):
            if "lambda (state 'Call'): cancelled" in self.read_log():
                break
            time.sleep(0.05)
        self.assertIn("lambda (state 'Call'): cancelled", self.read_log())

    def test_function_error_and_log_line(self):
        ex = self.start("err", invoke("error-BadInput", {}))
        d = self.wait(ex)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "BadInput"))
        self.assertIn("lambda Invoke (state 'Call'): HTTP 200 in", self.read_log())
        self.assertIn("lambda (state 'Call'): function error BadInput", self.read_log())


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
