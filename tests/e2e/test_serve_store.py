"""`stepd serve` and its database: one owner per file, executions freed
from memory once recorded and answered from the store.

Skips (exit 77) when boto3 is not importable."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import PASS, ROLE, STEPD, WAIT_LONG, boto3  # noqa: E402
from serve_harness import Server, wait_done  # noqa: E402

if boto3 is not None:
    import botocore.exceptions


class TestOwner(unittest.TestCase):
    def test_second_server_and_run_on_one_file_are_refused(self):
        server = Server()
        try:
            # A second server on the same file exits 2 and says why.
            r = subprocess.run(
                [STEPD, "serve", "--listen", "127.0.0.1:0", "--db", server.db],
                capture_output=True, text=True, timeout=30,
            )
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("in use by another stepd process", r.stderr)
            self.assertIn(server.db + "-lock", r.stderr)
            # So does a `stepd run` writing to it.
            path = os.path.join(server.tmp.name, "m.asl.json")
            with open(path, "w") as f:
                json.dump(PASS, f)
            r = subprocess.run([STEPD, "run", path, "--db", server.db], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("in use by another stepd process", r.stderr)
            # The first server is untouched, and readers may share the file.
            sfn = server.client()
            sfn.create_state_machine(name="still", definition=json.dumps(PASS), roleArn=ROLE)
            import sqlite3

            db = sqlite3.connect(server.db)
            try:
                self.assertEqual(db.execute("SELECT count(*) FROM state_machines").fetchone()[0], 1)
            finally:
                db.close()
            self.assertEqual(server.stop(), 0, server.read_log())
            # Once it is gone the file is free again.
            r = subprocess.run([STEPD, "run", path, "--db", server.db], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            again = Server(db=server.db)
            try:
                names = [m["name"] for m in again.client().list_state_machines()["stateMachines"]]
                self.assertEqual(names, ["still"])
                self.assertEqual(again.stop(), 0, again.read_log())
            finally:
                again.cleanup()
        finally:
            server.cleanup()


class TestLoad(unittest.TestCase):
    def test_rows_left_deleting_or_not_compiling(self):
        server = Server()
        try:
            sfn = server.client()
            sfn.create_state_machine(name="good", definition=json.dumps(PASS), roleArn=ROLE)
            self.assertEqual(server.stop(), 0, server.read_log())
            import sqlite3

            db = sqlite3.connect(server.db)
            try:
                prefix = "arn:aws:states:us-east-1:123456789012:stateMachine:"
                rows = [
                    ("bad", "{\"StartAt\": \"Nope\", \"States\": {}}", "ACTIVE"),
                    ("dying", json.dumps(PASS), "DELETING"),
                ]
                for name, definition, status in rows:
                    db.execute(
                        "INSERT INTO state_machines(arn, name, type, definition, role_arn, creation_ms, updated_ms,"
                        " status) VALUES (?, ?, 'STANDARD', ?, ?, 1, 1, ?)",
                        (prefix + name, name, definition, ROLE, status),
                    )
                db.commit()
            finally:
                db.close()
            again = Server(db=server.db)
            try:
                names = [m["name"] for m in again.client().list_state_machines()["stateMachines"]]
                self.assertEqual(names, ["good"])
                self.assertIn("state machine %sbad in the store does not compile, skipped" % prefix, again.read_log())
                self.assertEqual(again.stop(), 0, again.read_log())
            finally:
                again.cleanup()
            db = sqlite3.connect(server.db)
            try:
                left = sorted(r[0] for r in db.execute("SELECT name FROM state_machines"))
                self.assertEqual(left, ["bad", "good"])  # kept for a later stepd; DELETING is gone
            finally:
                db.close()
        finally:
            server.cleanup()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class TestFinishedExecutions(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.sfn = self.server.client()

    def tearDown(self):
        try:
            code = self.server.stop()
            log = self.server.read_log()
            if code != 0 or "Sanitizer" in log or "runtime error" in log:
                raise AssertionError("stepd serve exited with %s:\n%s" % (code, log))
        finally:
            self.server.cleanup()

    def test_memory_stays_flat_and_store_answers(self):
        with open(STEPD, "rb") as f:
            sanitized = b"__asan_init" in f.read()
        arn = self.sfn.create_state_machine(name="big", definition=json.dumps(PASS), roleArn=ROLE)["stateMachineArn"]
        payload = json.dumps({"blob": "x" * 200000})
        first = None
        for i in range(10):  # warm up allocator and page cache
            wait_done(self, self.sfn, self.sfn.start_execution(stateMachineArn=arn, input=payload)["executionArn"])
        base = rss_kb(self.server.proc.pid)
        for i in range(150):
            e = self.sfn.start_execution(stateMachineArn=arn, name="b%d" % i, input=payload)["executionArn"]
            first = first or e
            wait_done(self, self.sfn, e)
        grown = rss_kb(self.server.proc.pid) - base
        # Kept in memory, 150 executions would hold 150 x (input text,
        # parsed input, output) of 200 kB each: 60+ MB.
        if not sanitized:  # ASan's quarantine keeps freed memory
            self.assertLess(grown, 30000, "RSS grew by %d kB" % grown)
        d = self.sfn.describe_execution(executionArn=first)
        self.assertEqual((d["status"], d["name"], d["input"]), ("SUCCEEDED", "b0", payload))
        self.assertEqual(json.loads(d["output"])["r"], {"x": 1})
        ran = self.sfn.describe_state_machine_for_execution(executionArn=first)
        self.assertEqual(json.loads(ran["definition"]), PASS)
        # Stopping a finished execution returns its stop time.
        self.assertEqual(self.sfn.stop_execution(executionArn=first)["stopDate"], d["stopDate"])

    def test_list_executions_pages_by_key(self):
        arn = self.sfn.create_state_machine(name="pages", definition=json.dumps(PASS), roleArn=ROLE)["stateMachineArn"]
        w = self.sfn.create_state_machine(name="waits", definition=json.dumps(WAIT_LONG), roleArn=ROLE)["stateMachineArn"]
        names = ["p%d" % i for i in range(7)]
        for n in names:
            wait_done(self, self.sfn, self.sfn.start_execution(stateMachineArn=arn, name=n)["executionArn"])
        running = self.sfn.start_execution(stateMachineArn=w, name="w1")["executionArn"]
        page = self.sfn.list_executions(stateMachineArn=arn, maxResults=3)
        seen = [e["name"] for e in page["executions"]]
        token = page["nextToken"]
        # Executions started meanwhile do not shift the pages handed out.
        wait_done(self, self.sfn, self.sfn.start_execution(stateMachineArn=arn, name="late")["executionArn"])
        while token:
            page = self.sfn.list_executions(stateMachineArn=arn, maxResults=3, nextToken=token)
            seen += [e["name"] for e in page["executions"]]
            token = page.get("nextToken")
        self.assertEqual(seen, names[::-1])
        r = self.sfn.list_executions(stateMachineArn=w, statusFilter="RUNNING")["executions"]
        self.assertEqual([(e["executionArn"], e["status"]) for e in r], [(running, "RUNNING")])
        self.assertNotIn("stopDate", r[0])
        self.sfn.stop_execution(executionArn=running)
        wait_done(self, self.sfn, running)
        self.assertEqual(self.sfn.list_executions(stateMachineArn=w, statusFilter="RUNNING")["executions"], [])
        a = self.sfn.list_executions(stateMachineArn=w, statusFilter="ABORTED")["executions"]
        self.assertEqual([e["name"] for e in a], ["w1"])
        for bad in ("ex.1", "ex.x.1", "nope", "ex.1.0"):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.sfn.list_executions(stateMachineArn=arn, nextToken=bad)
            self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidToken")


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
