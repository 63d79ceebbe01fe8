"""End-to-end tests of `stepd run`: the real binary, real SQLite files."""
import json
import os
import sqlite3
import unittest

from stepd_test import StepdTestCase


def chain(*states):
    """A definition running the given (name, state) pairs in order."""
    out = {}
    for i, (name, st) in enumerate(states):
        st = dict(st)
        if st["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in st and "End" not in st:
            if i + 1 < len(states):
                st["Next"] = states[i + 1][0]
            else:
                st["End"] = True
        out[name] = st
    return {"StartAt": states[0][0], "States": out}


class RunBasics(StepdTestCase):
    def test_pass_data_flow(self):
        d = chain(("A", {"Type": "Pass", "InputPath": "$.in", "Parameters": {"x.$": "$.v", "k": 1},
                         "ResultPath": "$.r.deep", "OutputPath": "$.r"}))
        r = self.run_def(d, input={"in": {"v": 7}})
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {"deep": {"x": 7, "k": 1}})
        self.assertEqual(r.stdout.count("\n"), 1)

    def test_result_path_null_keeps_input(self):
        d = chain(("A", {"Type": "Pass", "Result": {"a": 1}, "ResultPath": None}))
        r = self.run_def(d, input={"keep": True})
        self.assertEqual(r.output, {"keep": True})

    def test_fail_state_error_line_and_status(self):
        d = chain(("F", {"Type": "Fail", "Error": "My.Error", "Cause": "because"}))
        r = self.run_def(d)
        self.assertEqual(r.code, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.error, {"error": "My.Error", "cause": "because"})

    def test_choice_default_and_no_match(self):
        d = {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}]},
            "Big": {"Type": "Succeed"}}}
        self.assertEqual(self.run_def(d, input={"n": 9}).code, 0)
        r = self.run_def(d, input={"n": 1})
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "States.NoChoiceMatched")

    def test_context_object(self):
        d = chain(("A", {"Type": "Pass", "Parameters": {"name.$": "$$.Execution.Name",
                                                        "sm.$": "$$.StateMachine.Name",
                                                        "state.$": "$$.State.Name",
                                                        "input.$": "$$.Execution.Input"}}))
        r = self.run_def(d, "--name", "exec-1", input={"a": 1}, name="my-machine")
        self.assertEqual(r.output, {"name": "exec-1", "sm": "my-machine", "state": "A", "input": {"a": 1}})

    def test_map_with_selector_and_concurrency(self):
        d = chain(("M", {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrency": 2,
                         "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "k.$": "$.k"},
                         "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}))
        r = self.run_def(d, input={"xs": ["a", "b", "c"], "k": 0})
        self.assertEqual(r.output, [{"i": 0, "v": "a", "k": 0}, {"i": 1, "v": "b", "k": 0},
                                    {"i": 2, "v": "c", "k": 0}])

    def test_parallel_branch_failure_fails_state_and_catch(self):
        d = {"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}},
                {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "bad"}}}],
                "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Done"}], "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}}
        r, events = self.history(d, "--wait-scale", "0", input={})
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {"err": {"Error": "Boom", "Cause": "bad"}})
        types = [e["type"] for e in events]
        # The branch still waiting is stopped and recorded as aborted; the
        # Parallel state fails once, then Catch moves on.
        self.assertIn("WaitStateAborted", types)
        self.assertEqual(types.count("ParallelStateFailed"), 1)
        self.assertLess(types.index("WaitStateAborted"), types.index("ParallelStateFailed"))
        self.assertEqual(types[types.index("ParallelStateFailed") + 1], "ParallelStateExited")

    def test_timeout_fires_before_long_wait_at_scale_zero(self):
        d = chain(("W", {"Type": "Wait", "Seconds": 60}))
        d["TimeoutSeconds"] = 5
        r = self.run_def(d, "--wait-scale", "0")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(r.error["error"], "States.Timeout")

    def test_wait_scale_keeps_timestamps_virtual(self):
        d = chain(("W", {"Type": "Wait", "Seconds": 3600}), ("P", {"Type": "Pass"}))
        r, events = self.history(d, "--wait-scale", "0")
        self.assertEqual(r.code, 0, r.stderr)
        entered = [e for e in events if e["type"] == "WaitStateEntered"][0]
        exited = [e for e in events if e["type"] == "WaitStateExited"][0]
        self.assertAlmostEqual(exited["timestamp"] - entered["timestamp"], 3600, delta=1)

    def test_task_without_connector_fails_naming_resource(self):
        d = chain(("T", {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                         "Parameters": {"TableName": "f"}}))
        r = self.run_def(d)
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "States.Runtime")
        self.assertIn("arn:aws:states:::dynamodb:getItem", r.error["cause"])


class RunHistory(StepdTestCase):
    def test_history_shape(self):
        d = chain(("A", {"Type": "Pass"}), ("B", {"Type": "Succeed"}))
        r, events = self.history(d, input={"x": 1})
        self.assertEqual(r.code, 0)
        self.assertEqual([e["type"] for e in events],
                         ["ExecutionStarted", "PassStateEntered", "PassStateExited", "SucceedStateEntered",
                          "SucceedStateExited", "ExecutionSucceeded"])
        self.assertEqual([e["id"] for e in events], list(range(1, 7)))
        self.assertEqual(events[1]["previousEventId"], 1)
        self.assertEqual(json.loads(events[0]["executionStartedEventDetails"]["input"]), {"x": 1})
        self.assertEqual(events[1]["stateEnteredEventDetails"]["name"], "A")
        self.assertIsInstance(events[0]["timestamp"], (int, float))

    def test_db_file_keeps_execution_and_history(self):
        db = os.path.join(self.dir, "x.db")
        d = chain(("A", {"Type": "Pass", "Result": 42}))
        r = self.run_def(d, "--db", db, "--name", "n1")
        self.assertEqual(r.code, 0, r.stderr)
        con = sqlite3.connect(db)
        tables = {row[0] for row in con.execute("select name from sqlite_master where type='table'")}
        self.assertTrue(tables, "no tables in the database")
        self.assertEqual(con.execute("pragma journal_mode").fetchone()[0], "wal")
        con.close()


class RunMocks(StepdTestCase):
    MACHINE = "svc"

    def definition(self):
        return chain(("Call", {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                               "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                               "ResultSelector": {"v.$": "$.Payload.v"},
                               "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                               "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]}),
                     ("Done", {"Type": "Succeed"}), ("Caught", {"Type": "Pass", "Result": "caught", "End": True}))

    def mock(self, responses):
        return self.write("mock.json", {
            "StateMachines": {self.MACHINE: {"TestCases": {"T": {"Call": "R"}}}},
            "MockedResponses": {"R": responses}})

    def test_retry_takes_next_response(self):
        cfg = self.mock({"0": {"Throw": {"Error": "Flaky", "Cause": "x"}},
                         "1": {"Return": {"Payload": {"v": 5}}}})
        r, events = self.history(self.definition(), "--mock-config", cfg, "--test-case", "T", "--wait-scale", "0",
                                 "--state-machine-name", self.MACHINE)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {"v": 5})
        types = [e["type"] for e in events]
        self.assertEqual(types.count("TaskScheduled"), 2)
        self.assertIn("TaskFailed", types)

    def test_catch_after_retries_exhausted(self):
        cfg = self.mock({"0-1": {"Throw": {"Error": "Flaky", "Cause": "x"}}})
        r = self.run_def(self.definition(), "--mock-config", cfg, "--test-case", "T", "--wait-scale", "0",
                         "--state-machine-name", self.MACHINE)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, "caught")

    def test_unknown_test_case_is_usage_error(self):
        cfg = self.mock({"0": {"Return": {}}})
        r = self.run_def(self.definition(), "--mock-config", cfg, "--test-case", "Nope",
                         "--state-machine-name", self.MACHINE)
        self.assertEqual(r.code, 2)
        self.assertIn("Nope", r.stderr)


class RunBadInput(StepdTestCase):
    def test_syntax_error_has_line_and_column(self):
        path = self.write("bad.asl.json", '{\n  "StartAt": "A",\n  "States": {,}\n}')
        r = self.stepd("run", path)
        self.assertEqual(r.code, 2)
        self.assertRegex(r.stderr, r"3:\d+")

    def test_invalid_definition_lists_diagnostics(self):
        d = {"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": True}}}
        r = self.run_def(d)
        self.assertEqual(r.code, 2)
        self.assertIn("Missing", r.stderr)

    def test_run_refuses_with_the_diagnostics_of_validate(self):
        # Validation runs beside the compiler: one definition the compiler
        # accepts but validation does not (an unknown field, an unreachable
        # state), one the compiler rejects (a bad path), which validation
        # must then explain in full.
        cases = [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Colour": "red"},
                                        "B": {"Type": "Pass", "End": True}}},
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "InputPath": "$.a["}}},
        ]
        for d in cases:
            path = self.write("v.asl.json", d)
            v = self.stepd("validate", path)
            self.assertEqual(v.code, 2, v.stdout)
            diags = json.loads(v.stdout)["diagnostics"]
            self.assertTrue(diags)
            r = self.stepd("run", path)
            self.assertEqual(r.code, 2, r.stderr)
            for diag in diags:
                self.assertIn(diag["message"], r.stderr)

    def test_bad_input_json(self):
        d = chain(("A", {"Type": "Pass"}))
        path = self.write("m.asl.json", d)
        r = self.stepd("run", path, "--input", "{nope")
        self.assertEqual(r.code, 2)
        self.assertIn("1:", r.stderr)

    def test_unknown_option_and_command(self):
        self.assertEqual(self.stepd("run", "--frobnicate").code, 2)
        self.assertEqual(self.stepd("frobnicate").code, 2)
        self.assertEqual(self.stepd("--version").code, 0)

    def test_deeply_nested_input_is_refused_cleanly(self):
        d = chain(("A", {"Type": "Pass"}))
        path = self.write("m.asl.json", d)
        deep = self.write("deep.json", "[" * 100000 + "]" * 100000)
        r = self.stepd("run", path, "--input-file", deep)
        self.assertEqual(r.code, 2)
        self.assertIn("input", r.stderr)
        self.assertNotIn("Sanitizer", r.stderr)

    def test_files_ending_on_a_page_boundary(self):
        # Definition and input files are mapped, not copied: the reader must
        # stop at the file's end when no byte follows it in the page, and
        # an empty or truncated file is still an error naming where.
        d = chain(("A", {"Type": "Pass"}))
        text = json.dumps(d)
        d["Comment"] = "x" * (8192 - len(text) - len(', "Comment": ""'))
        path = self.write("page.asl.json", json.dumps(d))
        self.assertEqual(os.path.getsize(path), 8192)
        inp = self.write("page.json", '"' + "y" * 4094 + '"')
        self.assertEqual(os.path.getsize(inp), 4096)
        r = self.stepd("run", path, "--input-file", inp)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), "y" * 4094)
        cut = self.write("cut.asl.json", json.dumps(d)[:-1] + " ")
        r = self.stepd("run", cut)
        self.assertEqual(r.code, 2)
        self.assertIn("1:8192", r.stderr)
        r = self.stepd("run", path, "--input-file", self.write("half.json", '{"a":'))
        self.assertEqual(r.code, 2)
        self.assertIn("1:5", r.stderr)
        r = self.stepd("run", self.write("empty.asl.json", ""))
        self.assertEqual(r.code, 2)
        self.assertIn("empty.asl.json", r.stderr)

    def test_input_over_limit(self):
        d = chain(("A", {"Type": "Pass"}))
        path = self.write("m.asl.json", d)
        big = self.write("big.json", {"s": "x" * (300 * 1024)})
        r = self.stepd("run", path, "--input-file", big)
        self.assertEqual(r.code, 2)
        r = self.stepd("run", path, "--input-file", big, "--limits", "none")
        self.assertEqual(r.code, 0)


class Eval(StepdTestCase):
    def test_jsonpath_and_intrinsic(self):
        r = self.stepd("eval", "--jsonpath", "$.a[1]", "--input", '{"a": [1, 2]}')
        self.assertEqual((r.code, json.loads(r.stdout)), (0, 2))
        r = self.stepd("eval", "--intrinsic", "States.MathAdd($.a, 3)", "--input", '{"a": 4}')
        self.assertEqual((r.code, json.loads(r.stdout)), (0, 7))
        r = self.stepd("eval", "--jsonpath", "$.missing", "--input", "{}")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "States.Runtime")


if __name__ == "__main__":
    unittest.main()
