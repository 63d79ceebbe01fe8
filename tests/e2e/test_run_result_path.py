"""ResultPath sets the member in the state's input in place when nothing
else holds the input (engine/dataflow.c): whatever reads the input after
a failure (Retry, Catch, the redrive point) must still see it as it came.

The redrive case skips (exit 77 through the harness) when boto3 is
missing or has no RedriveExecution (Debian's python3-boto3 1.26)."""
import collections
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stepd_test import StepdTestCase  # noqa: E402
from test_serve_compat import ROLE  # noqa: E402
from test_serve_redrive import has_redrive  # noqa: E402
from serve_harness import Server, history  # noqa: E402

BIG = "x" * (300 * 1024)


class ResultPathInPlace(StepdTestCase):
    MACHINE = "svc"

    def run_task(self, task, limits=True):
        # A Pass makes the Task's input a fresh object.
        d = {"StartAt": "Make", "States": {
            "Make": {"Type": "Pass", "Parameters": {"a": 1, "r": "old"}, "Next": "Call"},
            "Call": dict(task, Type="Task", Resource="arn:aws:states:::lambda:invoke",
                         Parameters={"FunctionName": "f"}, Next="Done",
                         Retry=[{"ErrorEquals": ["States.DataLimitExceeded"], "MaxAttempts": 1,
                                 "IntervalSeconds": 1}],
                         Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Caught"}]),
            "Done": {"Type": "Succeed"},
            "Caught": {"Type": "Pass", "End": True}}}
        cfg = self.write("mock.json", {
            "StateMachines": {self.MACHINE: {"TestCases": {"T": {"Call": "R"}}}},
            "MockedResponses": {"R": {"0-1": {"Return": {"big": BIG}}}}})
        args = ["--mock-config", cfg, "--test-case", "T", "--wait-scale", "0", "--state-machine-name",
                self.MACHINE]
        if not limits:
            args += ["--limits", "none"]
        return self.history(d, *args)

    def test_size_limit_retry_and_catch_see_the_input_before_result_path(self):
        r, events = self.run_task({"ResultPath": "$.r"})
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output["r"], "old")
        self.assertEqual(r.output["e"]["Error"], "States.DataLimitExceeded")
        self.assertEqual(len([e for e in events if e["type"] == "TaskScheduled"]), 2)

    def test_member_is_replaced_keeping_its_position(self):
        r, events = self.run_task({"ResultPath": "$.r"}, limits=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(list(r.output), ["a", "r"])
        self.assertEqual(r.output["r"], {"big": BIG})
        exited = [e for e in events if e["type"] == "TaskStateExited"][0]
        self.assertTrue(exited["stateExitedEventDetails"]["output"].startswith('{"a":1,"r":{"big":"xx'))

    def test_pass_chain_sets_members_in_place(self):
        states = {"Make": {"Type": "Pass", "Parameters": {"a": 1, "acc": {"i": -1}}, "Next": "S0"}}
        for i in range(5):
            states["S%d" % i] = {"Type": "Pass", "Parameters": {"i": i, "prev.$": "$.acc.i"},
                                 "ResultPath": "$.acc" if i % 2 == 0 else "$.n%d" % i}
            states["S%d" % i]["Next" if i < 4 else "End"] = "S%d" % (i + 1) if i < 4 else True
        r, events = self.history({"StartAt": "Make", "States": states})
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {"a": 1, "acc": {"i": 4, "prev": 2}, "n1": {"i": 1, "prev": 0},
                                    "n3": {"i": 3, "prev": 2}})
        entered = [json.loads(e["stateEnteredEventDetails"]["input"]) for e in events
                   if e["type"] == "PassStateEntered"]
        self.assertEqual(entered[2], {"a": 1, "acc": {"i": 0, "prev": -1}})
        self.assertEqual(entered[3], {"a": 1, "acc": {"i": 0, "prev": -1}, "n1": {"i": 1, "prev": 0}})

    def test_parameters_built_in_a_recycled_object_keep_their_order(self):
        # Each state's old input is emptied and reused for the next
        # Parameters (engine/exec.c, sd_frame_recycle): keys come out in
        # the template's order whatever the object held before.
        states = {
            "A": {"Type": "Pass", "Parameters": {"z": 1, "y": 2, "x": {"deep": [1, 2]}}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"a.$": "$.y", "b": "c", "z.$": "$.z"}, "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"k.$": "$.z", "acc": {"i": 1}}, "ResultPath": "$.r", "Next": "D"},
            "D": {"Type": "Pass", "Parameters": {"m": 1, "r.$": "$.r"}, "ResultPath": "$.r", "End": True},
        }
        r, events = self.history({"StartAt": "A", "States": states})
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(json.dumps(r.output),
                         json.dumps({"a": 2, "b": "c", "z": 1, "r": {"m": 1, "r": {"k": 1, "acc": {"i": 1}}}}))
        exited = [e["stateExitedEventDetails"]["output"] for e in events if e["type"] == "PassStateExited"]
        self.assertEqual(exited[1], '{"a":2,"b":"c","z":1}')
        self.assertEqual(exited[2], '{"a":2,"b":"c","z":1,"r":{"k":1,"acc":{"i":1}}}')


@unittest.skipUnless(has_redrive(), "boto3 missing, or its model has no RedriveExecution (boto3 < 1.33)")
class RedrivePointKeepsTheInput(unittest.TestCase):
    def test_pass_over_the_size_limit_is_redriven_with_its_input(self):
        server = Server()
        try:
            sfn = server.client()
            d = {"StartAt": "Make", "States": {
                "Make": {"Type": "Pass", "Parameters": {"a": 1, "r": "old"}, "Next": "Big"},
                "Big": {"Type": "Pass", "Result": BIG, "ResultPath": "$.r", "End": True}}}
            m = sfn.create_state_machine(name="Big", definition=json.dumps(d), roleArn=ROLE)["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=m, input="{}")["executionArn"]
            for status in ("FAILED", "FAILED"):
                deadline = time.time() + 30
                while sfn.describe_execution(executionArn=arn)["status"] != status:
                    self.assertLess(time.time(), deadline)
                    time.sleep(0.05)
                if sfn.describe_execution(executionArn=arn).get("redriveCount", 0) == 0:
                    sfn.redrive_execution(executionArn=arn)
                    time.sleep(0.1)
            events = history(sfn, arn)
            types = collections.Counter(e["type"] for e in events)
            self.assertEqual(types["ExecutionRedriven"], 1)
            entered = [json.loads(e["stateEnteredEventDetails"]["input"]) for e in events
                       if e["type"] == "PassStateEntered" and e["stateEnteredEventDetails"]["name"] == "Big"]
            self.assertEqual(entered, [{"a": 1, "r": "old"}, {"a": 1, "r": "old"}])
        finally:
            server.check_clean_exit()


if __name__ == "__main__":
    unittest.main()
