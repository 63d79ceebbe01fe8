"""`stepd serve --retention DAYS`: closed executions are purged with their
history once they have been closed that long (here a fraction of a day),
running ones stay, and a purged execution's name may be used again.

Skips (exit 77) when boto3 is not importable."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import PASS, ROLE, STEPD, WAIT_LONG, boto3  # noqa: E402
from serve_harness import Server  # noqa: E402

if boto3 is not None:
    import botocore.exceptions

RETENTION_DAYS = 0.00003  # 2.6 s


class TestRetention(unittest.TestCase):
    def check(self, db):
        server = Server(db=db, args=("--retention", str(RETENTION_DAYS)))
        try:
            sfn = server.client()
            arn = sfn.create_state_machine(name="keep", definition=json.dumps(PASS), roleArn=ROLE)["stateMachineArn"]
            wait = sfn.create_state_machine(name="wait", definition=json.dumps(WAIT_LONG),
                                            roleArn=ROLE)["stateMachineArn"]
            running = sfn.start_execution(stateMachineArn=wait, name="long")["executionArn"]
            done = [sfn.start_execution(stateMachineArn=arn, name="run-%d" % i)["executionArn"] for i in range(5)]
            for ex in done:
                deadline = time.time() + 30
                while sfn.describe_execution(executionArn=ex)["status"] == "RUNNING":
                    self.assertLess(time.time(), deadline)
                    time.sleep(0.05)
            self.assertEqual(len(sfn.list_executions(stateMachineArn=arn)["executions"]), 5)
            # Gone within retention + a sweep interval or two.
            deadline = time.time() + 20
            while sfn.list_executions(stateMachineArn=arn)["executions"]:
                self.assertLess(time.time(), deadline, "closed executions were not purged")
                time.sleep(0.2)
            for ex in done:
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    sfn.describe_execution(executionArn=ex)
                self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionDoesNotExist")
                with self.assertRaises(botocore.exceptions.ClientError) as cm:
                    sfn.get_execution_history(executionArn=ex)
                self.assertEqual(cm.exception.response["Error"]["Code"], "ExecutionDoesNotExist")
            # The name is free again; the running execution was kept.
            again = sfn.start_execution(stateMachineArn=arn, name="run-0")["executionArn"]
            self.assertEqual(again, done[0])
            self.assertEqual(sfn.describe_execution(executionArn=running)["status"], "RUNNING")
            self.assertIn("retention: purged", server.read_log())
            sfn.stop_execution(executionArn=running)
            code = server.stop()
            log = server.read_log()
            self.assertEqual(code, 0, log)
            self.assertNotIn("Sanitizer", log)
        finally:
            server.cleanup()

    def test_file_database(self):
        self.check(None)

    def test_memory_database(self):
        self.check(":memory:")

    def test_bad_retention_is_a_usage_error(self):
        for bad in ("0", "-1", "soon"):
            r = subprocess.run([STEPD, "serve", "--listen", "127.0.0.1:0", "--db", ":memory:", "--retention", bad],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("--retention", r.stderr)


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
