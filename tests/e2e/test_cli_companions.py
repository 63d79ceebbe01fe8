"""`stepd executions ...` and `stepd state-machines ...` against a real
`stepd serve`: the JSON they print, pages followed, their exit statuses.
Needs no boto3; where boto3 is importable, its view is compared."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_cli_start import STEPD, StartTestCase, stepd  # noqa: E402
from test_serve_api import FAIL, PASS, ROLE, WAIT_LONG, boto3  # noqa: E402

ACCOUNT = "arn:aws:states:us-east-1:123456789012"


class TestStateMachines(StartTestCase):
    def sm(self, *args, code=0):
        r = self.cli("state-machines", *args)
        self.assertEqual(r.returncode, code, r.stderr)
        return json.loads(r.stdout) if code == 0 else r.stderr

    def test_create_list_describe_update_delete(self):
        path = os.path.join(self.server.tmp.name, "def.json")
        with open(path, "w") as f:
            json.dump(PASS, f)
        made = self.sm("create", "--name", "c-one", "--role-arn", ROLE, "--definition", "file://" + path)
        arn = ACCOUNT + ":stateMachine:c-one"
        self.assertEqual(made["stateMachineArn"], arn)
        self.assertIsInstance(made["creationDate"], float)
        made = self.sm("create", "--name", "c-two", "--role-arn", ROLE, "--definition-file", path, "--type", "EXPRESS")
        names = [m["name"] for m in self.sm("list")["stateMachines"]]
        self.assertIn("c-one", names)
        self.assertIn("c-two", names)
        d = self.sm("describe", "--state-machine", "c-one")
        self.assertEqual((d["stateMachineArn"], d["type"], d["roleArn"]), (arn, "STANDARD", ROLE))
        self.assertEqual(json.loads(d["definition"]), PASS)
        self.assertEqual(self.sm("describe", "--state-machine", "c-two")["type"], "EXPRESS")
        up = self.sm("update", "--state-machine", "c-one", "--definition", json.dumps(FAIL))
        self.assertIn("updateDate", up)
        self.assertEqual(json.loads(self.sm("describe", "--state-machine-arn", arn)["definition"]), FAIL)
        self.assertEqual(self.sm("delete", "--state-machine", arn), {})
        self.assertEqual(self.sm("delete", "--state-machine", "c-two"), {})
        names = [m["name"] for m in self.sm("list")["stateMachines"]]
        self.assertNotIn("c-one", names)
        err = self.sm("describe", "--state-machine", arn, code=5)
        self.assertIn("stepd: StateMachineDoesNotExist: State Machine Does Not Exist: '%s'" % arn, err)

    def test_list_follows_pages(self):
        for i in range(3):
            self.sm("create", "--name", "p-%d" % i, "--role-arn", ROLE, "--definition", json.dumps(PASS))
        everything = self.sm("list")["stateMachines"]
        self.assertGreaterEqual(len(everything), 3)
        self.assertEqual(self.sm("list", "--max-items", "2")["stateMachines"], everything[:2])
        if boto3 is not None:
            theirs = self.server.client().list_state_machines()["stateMachines"]
            self.assertEqual([m["stateMachineArn"] for m in theirs], [m["stateMachineArn"] for m in everything])

    def test_errors(self):
        err = self.sm("create", "--name", "bad", "--role-arn", ROLE, "--definition", '{"StartAt": "X", "States": {}}',
                      code=5)
        self.assertIn("stepd: InvalidDefinition: Invalid State Machine Definition: ", err)
        err = self.sm("create", "--name", "bad", "--role-arn", ROLE, "--definition", "{nope", code=2)
        self.assertIn("the definition is not JSON", err)
        err = self.sm("create", "--name", "bad", "--definition", "{}", code=2)
        self.assertIn("--role-arn is required", err)
        err = self.sm("update", "--state-machine", "none-such", "--definition", json.dumps(PASS), code=5)
        self.assertIn("StateMachineDoesNotExist: no state machine named 'none-such'", err)
        err = self.sm("list", "--status-filter", "RUNNING", code=2)
        self.assertIn("list: unknown option --status-filter", err)
        err = self.sm("frobnicate", code=2)
        self.assertIn("unknown subcommand 'frobnicate'", err)
        r = stepd("state-machines", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("options: --name --definition --definition-file --role-arn --type", r.stdout)


class TestExecutions(StartTestCase):
    def ex(self, *args, code=0):
        r = self.cli("executions", *args)
        self.assertEqual(r.returncode, code, r.stderr)
        return json.loads(r.stdout) if code == 0 else r.stderr

    def start(self, machine, *args):
        r = self.cli("start", "--state-machine", machine, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_list_follows_pages_newest_first(self):
        # More than the server's page of 100, so nextToken is followed.
        self.create("x-many", PASS)
        arns = [self.start("x-many", "--name", "n%03d" % i) for i in range(105)]
        got = self.ex("list", "--state-machine", "x-many")["executions"]
        self.assertEqual(len(got), 105)
        self.assertEqual(sorted(e["executionArn"] for e in got), sorted(arns))
        starts = [e["startDate"] for e in got]
        self.assertEqual(starts, sorted(starts, reverse=True))
        self.assertEqual(self.ex("list", "--state-machine", "x-many", "--max-items", "3")["executions"], got[:3])
        if boto3 is not None:
            pages = self.server.client().get_paginator("list_executions").paginate(
                stateMachineArn=ACCOUNT + ":stateMachine:x-many")
            theirs = [e["executionArn"] for p in pages for e in p["executions"]]
            self.assertEqual(theirs, [e["executionArn"] for e in got])

    def test_status_filter_describe_stop(self):
        self.create("x-stop", WAIT_LONG)
        arn = self.start("x-stop", "--name", "a")
        self.wait_running(arn)
        running = self.ex("list", "--state-machine", "x-stop", "--status-filter", "RUNNING")["executions"]
        self.assertEqual([e["executionArn"] for e in running], [arn])
        d = self.ex("describe", "--execution-arn", arn)
        self.assertEqual((d["status"], d["name"], d["input"]), ("RUNNING", "a", "{}"))
        self.assertEqual(self.ex("describe", arn), d)  # the ARN as an argument
        stopped = self.ex("stop", "--execution-arn", arn, "--error", "E", "--cause", "C")
        self.assertIsInstance(stopped["stopDate"], float)
        d = self.ex("describe", arn)
        self.assertEqual((d["status"], d["error"], d["cause"]), ("ABORTED", "E", "C"))
        self.assertEqual(self.ex("list", "--state-machine", "x-stop", "--status-filter", "RUNNING")["executions"], [])
        aborted = self.ex("list", "--state-machine", "x-stop", "--status-filter", "ABORTED")["executions"]
        self.assertEqual([e["executionArn"] for e in aborted], [arn])

    def test_history(self):
        self.create("x-hist", PASS)
        r = self.cli("start", "--state-machine", "x-hist", "--name", "h", "--input", '{"secret": 1}', "--wait")
        self.assertEqual(r.returncode, 0, r.stderr)
        arn = ACCOUNT + ":execution:x-hist:h"
        events = self.ex("history", "--execution-arn", arn)["events"]
        types = [e["type"] for e in events]
        self.assertEqual(types, ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"])
        self.assertEqual(json.loads(events[0]["executionStartedEventDetails"]["input"]), {"secret": 1})
        rev = self.ex("history", arn, "--reverse-order")["events"]
        self.assertEqual(rev, events[::-1])
        bare = self.ex("history", arn, "--no-include-execution-data")["events"]
        self.assertNotIn("input", bare[0]["executionStartedEventDetails"])
        self.assertEqual(self.ex("history", arn, "--max-items", "2")["events"], events[:2])
        if boto3 is not None:
            theirs = self.server.client().get_execution_history(executionArn=arn)["events"]
            self.assertEqual([e["id"] for e in theirs], [e["id"] for e in events])

    def test_errors(self):
        arn = ACCOUNT + ":execution:none:none"
        err = self.ex("describe", arn, code=5)
        self.assertIn("stepd: ExecutionDoesNotExist: Execution Does Not Exist: '%s'" % arn, err)
        err = self.ex("stop", "--execution-arn", arn, code=5)
        self.assertIn("ExecutionDoesNotExist", err)
        err = self.ex("history", "--execution-arn", "not-an-arn", code=5)
        self.assertIn("stepd: InvalidArn: ", err)
        err = self.ex("list", code=2)
        self.assertIn("--state-machine is required", err)
        err = self.ex("list", "--state-machine", "x", "--max-items", "0", code=2)
        self.assertIn("--max-items takes a whole number >= 1", err)
        err = self.ex("describe", "a", "b", code=2)
        self.assertIn("unexpected argument 'b'", err)


if __name__ == "__main__":
    unittest.main()
