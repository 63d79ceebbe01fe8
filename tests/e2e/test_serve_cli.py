"""`stepd serve` driven by the aws CLI (`aws stepfunctions ... --endpoint-url`).

Skips (exit 77) when `aws` is not on PATH."""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import FAIL, PASS, ROLE, WAIT_LONG  # noqa: E402  (also sets dummy credentials)
from serve_harness import Server  # noqa: E402

AWS = shutil.which("aws")


class TestServeWithAwsCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def aws(self, *args, ok=True):
        proc = subprocess.run(
            [AWS, "stepfunctions", *args, "--endpoint-url", self.server.url, "--output", "json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ok:
            self.assertEqual(proc.returncode, 0, proc.stderr)
            return json.loads(proc.stdout) if proc.stdout.strip() else {}
        self.assertNotEqual(proc.returncode, 0)
        return proc.stderr

    def create(self, name, definition):
        return self.aws(
            "create-state-machine", "--name", name, "--definition", json.dumps(definition), "--role-arn", ROLE
        )["stateMachineArn"]

    def wait_done(self, arn):
        deadline = time.time() + 30
        while True:
            d = self.aws("describe-execution", "--execution-arn", arn)
            if d["status"] != "RUNNING":
                return d
            self.assertLess(time.time(), deadline)
            time.sleep(0.1)

    def test_run_describe_history_list(self):
        arn = self.create("cli-pass", PASS)
        ex = self.aws("start-execution", "--state-machine-arn", arn, "--name", "c1", "--input", '{"a": 2}')
        d = self.wait_done(ex["executionArn"])
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"]), {"a": 2, "r": {"x": 1}})
        # The CLI pages on its own (nextToken) with --page-size.
        h = self.aws("get-execution-history", "--execution-arn", ex["executionArn"], "--page-size", "1")
        self.assertEqual(
            [e["type"] for e in h["events"]],
            ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        )
        h = self.aws("get-execution-history", "--execution-arn", ex["executionArn"], "--reverse-order")
        self.assertEqual(h["events"][0]["type"], "ExecutionSucceeded")
        lst = self.aws("list-executions", "--state-machine-arn", arn, "--status-filter", "SUCCEEDED")
        self.assertEqual([e["name"] for e in lst["executions"]], ["c1"])
        machines = self.aws("list-state-machines")["stateMachines"]
        self.assertIn(arn, [m["stateMachineArn"] for m in machines])

    def test_fail_and_stop(self):
        arn = self.create("cli-fail", FAIL)
        ex = self.aws("start-execution", "--state-machine-arn", arn)
        d = self.wait_done(ex["executionArn"])
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "Custom.Bad", "it went wrong"))
        arn = self.create("cli-long", WAIT_LONG)
        ex = self.aws("start-execution", "--state-machine-arn", arn)
        self.aws("stop-execution", "--execution-arn", ex["executionArn"], "--error", "E", "--cause", "C")
        d = self.aws("describe-execution", "--execution-arn", ex["executionArn"])
        self.assertEqual((d["status"], d["error"], d["cause"]), ("ABORTED", "E", "C"))

    def test_errors(self):
        missing = "arn:aws:states:us-east-1:123456789012:execution:cli:none"
        err = self.aws("describe-execution", "--execution-arn", missing, ok=False)
        self.assertIn("(ExecutionDoesNotExist)", err)
        err = self.aws("describe-state-machine", "--state-machine-arn", "bogus", ok=False)
        self.assertIn("(InvalidArn)", err)
        err = self.aws(
            "create-state-machine", "--name", "cli-bad", "--definition", "{}", "--role-arn", ROLE, ok=False
        )
        self.assertIn("(InvalidDefinition)", err)


if __name__ == "__main__":
    if AWS is None:
        print("skipping: the aws CLI is not on PATH", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
