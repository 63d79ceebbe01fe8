"""`stepd serve` killed with SIGKILL resumes its RUNNING executions when it
starts again on the same database (issue 4): a Wait keeps its due time, a
Retry back-off is re-armed, a Map's iterations in flight keep their due
times, history ids stay contiguous and no state exits twice.
test_serve_recovery_many.py kills 200 executions in every kind of state.

Skips (exit 77) when boto3 is not importable."""
import json
import os
import sqlite3
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_compat import ROLE, boto3  # noqa: E402
from serve_harness import Server, history, wait_done  # noqa: E402

# Waits 2 s, then passes: the output shows both ran once.
WAIT2 = {
    "StartAt": "W",
    "States": {
        "W": {"Type": "Wait", "Seconds": 2, "Next": "P"},
        "P": {"Type": "Pass", "Result": "done", "ResultPath": "$.p", "End": True},
    },
}
# A mocked Task failing twice with a 2 s back-off, then answering.
PAY = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "ResultSelector": {"charged.$": "$.Payload.charged"},
            "ResultPath": "$.r",
            "Retry": [
                {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "BackoffRate": 1, "MaxAttempts": 3}
            ],
            "End": True,
        }
    },
}
# The root waits on Map iterations, each in a Wait.
MAPW = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "W",
                "States": {"W": {"Type": "Wait", "Seconds": 3, "End": True}},
            },
            "End": True,
        }
    },
}
MOCK_CONFIG = {
    "StateMachines": {"Pay": {"TestCases": {"Flaky": {"Charge": "FailTwiceThenCharge"}}}},
    "MockedResponses": {
        "FailTwiceThenCharge": {
            "0-1": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "Service unavailable"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"charged": True}}},
        }
    },
}



@unittest.skipIf(boto3 is None, "boto3 is not installed")
class TestKillRestart(unittest.TestCase):
    def check_history(self, sfn, arn, once=True):
        events = history(sfn, arn)
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)), events)
        exited = [e["stateExitedEventDetails"]["name"] for e in events if e["type"].endswith("StateExited")]
        if once:
            self.assertEqual(len(exited), len(set(exited)), events)
        return events

    def test_kill_9_then_restart(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        cfg = os.path.join(tmp.name, "mock.json")
        with open(cfg, "w") as f:
            json.dump(MOCK_CONFIG, f)
        args = ("--mock-config", cfg)
        first = Server(args=args)
        self.addCleanup(first.tmp.cleanup)  # holds the database both servers use
        self.addCleanup(first.kill)
        sfn = first.client()
        wait_m = sfn.create_state_machine(name="Wait2", definition=json.dumps(WAIT2), roleArn=ROLE)["stateMachineArn"]
        pay_m = sfn.create_state_machine(name="Pay", definition=json.dumps(PAY), roleArn=ROLE)["stateMachineArn"]
        map_m = sfn.create_state_machine(name="MapW", definition=json.dumps(MAPW), roleArn=ROLE)["stateMachineArn"]
        waits = [
            sfn.start_execution(stateMachineArn=wait_m, name="w%d" % i, input=json.dumps({"i": i}))["executionArn"]
            for i in range(20)
        ]
        pays = [
            sfn.start_execution(stateMachineArn=pay_m + "#Flaky", name="p%d" % i, input=json.dumps({"i": i}))[
                "executionArn"
            ]
            for i in range(10)
        ]
        mapped = sfn.start_execution(stateMachineArn=map_m, input=json.dumps({"items": [1, 2]}))["executionArn"]
        started = time.time()
        # Every Pay execution has failed once and waits on its back-off.
        deadline = time.time() + 10
        for arn in pays:
            while not any(e["type"] == "TaskFailed" for e in history(sfn, arn)):
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
        self.assertLess(time.time() - started, 1.8, "too slow to kill while the executions wait")
        first.proc.kill()  # SIGKILL: nothing is flushed or closed
        first.proc.wait()
        first.log.close()

        # A crash right after StartExecution's commit, before the first
        # state ran: the row and ExecutionStarted only, as that commit left.
        db = sqlite3.connect(first.db)
        try:
            fresh = wait_m.replace(":stateMachine:", ":execution:") + ":fresh"
            xid = db.execute(
                "INSERT INTO executions(arn, name, machine_arn, status, input, start_ms) VALUES (?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (fresh, "fresh", wait_m, "RUNNING", '{"i":99}', int(time.time() * 1000)),
            ).fetchone()[0]
            started_ev = {"input": '{"i":99}', "inputDetails": {"truncated": False}, "roleArn": ROLE}
            # History chunk (engine/store_sqlite_history.c): events 1 to 1.
            chunk = [[1, 0, int(time.time() * 1000), "ExecutionStarted", "executionStartedEventDetails", started_ev]]
            db.execute("INSERT INTO history VALUES (?, 1, ?)", ((xid << 32) | 1, json.dumps(chunk)))
            db.commit()
        finally:
            db.close()
        # Down past the Waits' due time: they fire at once on restart,
        # not 2 s after it.
        time.sleep(max(0, started + 2.5 - time.time()))
        # The same database file, the same mock configuration.
        second = Server(args, db=first.db)
        self.addCleanup(second.tmp.cleanup)
        self.addCleanup(second.kill)
        sfn = second.client()
        for i, arn in enumerate(waits):
            d = wait_done(self, sfn, arn)
            self.assertEqual(d["status"], "SUCCEEDED", d)
            self.assertEqual(json.loads(d["output"]), {"i": i, "p": "done"})
            events = self.check_history(sfn, arn)
            entered = [e for e in events if e["type"] == "WaitStateEntered"]
            self.assertEqual(len(entered), 1, events)
            exited = [e for e in events if e["type"] == "WaitStateExited"][0]
            waited = (exited["timestamp"] - events[0]["timestamp"]).total_seconds()
            self.assertGreaterEqual(waited, 1.99, events)
            self.assertLess(waited, 4.0, events)
        for i, arn in enumerate(pays):
            d = wait_done(self, sfn, arn)
            self.assertEqual(d["status"], "SUCCEEDED", d)
            self.assertEqual(json.loads(d["output"]), {"i": i, "r": {"charged": True}})
            events = self.check_history(sfn, arn)
            self.assertEqual(sum(e["type"] == "TaskStateEntered" for e in events), 1, events)
            # The mock's answers count from 0 again in the new process (its
            # counter is not recorded), while the Retry counters are: the
            # third and last retry is the one that succeeds.
            self.assertEqual(sum(e["type"] == "TaskFailed" for e in events), 3, events)
            self.assertEqual(sum(e["type"] == "TaskScheduled" for e in events), 4, events)
            self.assertEqual(sum(e["type"] == "TaskSucceeded" for e in events), 1, events)
        d = wait_done(self, sfn, fresh)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), {"i": 99, "p": "done"})
        self.assertEqual(len(self.check_history(sfn, fresh)), 6)
        d = wait_done(self, sfn, mapped)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        self.assertEqual(json.loads(d["output"]), [1, 2])
        events = self.check_history(sfn, mapped, once=False)
        types = [e["type"] for e in events]
        self.assertEqual(types.count("MapStateStarted"), 1, types)
        self.assertEqual(types.count("MapIterationStarted"), 2, types)
        self.assertEqual(types.count("WaitStateEntered"), 2, types)
        self.assertEqual(types.count("WaitStateExited"), 2, types)
        waited = (events[-1]["timestamp"] - events[0]["timestamp"]).total_seconds()
        self.assertGreaterEqual(waited, 2.99, events)
        log = second.read_log()
        self.assertIn("restart: 32 execution(s) resumed, 0 failed", log)
        code = second.stop()
        self.assertEqual(code, 0, second.read_log())
        self.assertNotIn("Sanitizer", second.read_log())
        self.assertNotIn("runtime error", second.read_log())




if __name__ == "__main__":
    if boto3 is None:
        sys.exit(77)
    unittest.main()
