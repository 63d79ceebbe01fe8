"""$$.Execution and $$.StateMachine under `stepd serve` (issue 4): the
engine builds them only when a state reads `$$`, from the execution's own
fields, and drops them while the execution is parked in a Wait, so a
parked execution does not carry them. Whatever the state (Pass, Wait,
Parallel branch, Map ItemSelector and iteration) and whether the server
was killed with SIGKILL and restarted in between, they must read exactly
as AWS gives them: the same members, in AWS's order, with the input as
the execution received it.

Skips (exit 77) when boto3 is not importable."""
import json
import os
import sys
import time
import unittest
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_compat import ROLE, boto3  # noqa: E402
from serve_harness import Server, history, wait_done  # noqa: E402

EXEC = {"e.$": "$$.Execution", "sm.$": "$$.StateMachine"}
CTX = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Parameters": EXEC, "ResultPath": "$.a", "Next": "W0"},
        # A Wait reading $$ (its start time is past: it fires at once).
        "W0": {"Type": "Wait", "TimestampPath": "$$.Execution.StartTime", "Next": "P"},
        "P": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Parameters": EXEC, "End": True}}}],
            "ResultPath": "$.p",
            "Next": "M",
        },
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"v.$": "$$.Map.Item.Value", "id.$": "$$.Execution.Id"},
            "ItemProcessor": {
                "StartAt": "Y",
                "States": {
                    "Y": {
                        "Type": "Pass",
                        "Parameters": {"e.$": "$$.Execution", "v.$": "$.v", "id.$": "$.id"},
                        "End": True,
                    }
                },
            },
            "ResultPath": "$.m",
            "Next": "W",
        },
        # The root parks here: the context objects are dropped, and rebuilt
        # by B (after a restart, from the row the engine wrote).
        "W": {"Type": "Wait", "Seconds": 2, "Next": "B"},
        "B": {"Type": "Pass", "Parameters": EXEC, "ResultPath": "$.b", "End": True},
    },
}
# As a client sends it: not the engine's compact form.
INPUT = '{"items": [1, 2], "k": {"z": 1, "a": [true, null, 1.5]}}'
KEYS = ["Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount"]


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class TestContextObject(unittest.TestCase):
    def check(self, d, machine_arn, name):
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"], object_pairs_hook=OrderedDict)
        arn = d["executionArn"]
        seen = [out["a"]["e"], out["b"]["e"], out["p"][0]["e"]] + [it["e"] for it in out["m"]]
        for e in seen:
            self.assertEqual(list(e.keys()), KEYS, e)
            self.assertEqual(e["Id"], arn)
            self.assertEqual(e["Name"], name)
            self.assertEqual(e["Input"], json.loads(INPUT))
            self.assertEqual(e["RoleArn"], ROLE)
            self.assertEqual(e["RedriveCount"], 0)
            self.assertEqual(e["StartTime"], seen[0]["StartTime"])
        # StartTime is the execution's start, to the millisecond.
        start = d["startDate"]
        self.assertEqual(seen[0]["StartTime"], start.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (start.microsecond // 1000))
        for sm in (out["a"]["sm"], out["b"]["sm"]):
            self.assertEqual(list(sm.items()), [("Id", machine_arn), ("Name", "Ctx")])
        self.assertEqual([(it["v"], it["id"]) for it in out["m"]], [(1, arn), (2, arn)])
        # The history's input is the execution's.
        started = history(self.sfn, arn)[0]
        self.assertEqual(json.loads(started["executionStartedEventDetails"]["input"]), json.loads(INPUT))

    def test_context_before_and_after_a_kill_9(self):
        first = Server()
        self.addCleanup(first.tmp.cleanup)  # holds the database both servers use
        self.addCleanup(first.kill)
        sfn = self.sfn = first.client()
        m = sfn.create_state_machine(name="Ctx", definition=json.dumps(CTX), roleArn=ROLE)["stateMachineArn"]
        # Uninterrupted: parked in W, then B rebuilds the objects.
        plain = sfn.start_execution(stateMachineArn=m, name="plain", input=INPUT)["executionArn"]
        self.check(wait_done(self, sfn, plain), m, "plain")
        self.assertEqual(sfn.describe_execution(executionArn=plain)["input"], INPUT)

        killed = sfn.start_execution(stateMachineArn=m, name="killed", input=INPUT)["executionArn"]
        deadline = time.time() + 10
        while not any(e["type"] == "WaitStateEntered" and e["stateEnteredEventDetails"]["name"] == "W"
                      for e in history(sfn, killed)):
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.assertEqual(sfn.describe_execution(executionArn=killed)["input"], INPUT)
        first.proc.kill()  # SIGKILL: nothing is flushed or closed
        first.proc.wait()
        first.log.close()

        second = Server(db=first.db)
        self.addCleanup(second.tmp.cleanup)
        self.addCleanup(second.kill)
        sfn = self.sfn = second.client()
        self.check(wait_done(self, sfn, killed), m, "killed")
        # Started after the restart, on the restored registry.
        again = sfn.start_execution(stateMachineArn=m, name="again", input=INPUT)["executionArn"]
        self.check(wait_done(self, sfn, again), m, "again")
        self.assertEqual(second.stop(), 0, second.read_log())
        self.assertNotIn("Sanitizer", second.read_log())
        self.assertNotIn("runtime error", second.read_log())


if __name__ == "__main__":
    if boto3 is None:
        sys.exit(77)
    unittest.main()
