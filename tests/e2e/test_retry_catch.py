"""Retry timing, jitter bounds and Catch routing, measured on the virtual
clock: with --wait-scale 0 history timestamps show the delays the
definition asked for, without waiting for them."""
import json
import unittest

from stepd_test import StepdTestCase


def task_machine(retry, catch=None):
    t = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
         "Retry": retry, "End": True}
    states = {"T": t}
    if catch:
        t["Catch"] = catch
        states["Handler"] = {"Type": "Pass", "End": True}
    return {"StartAt": "T", "States": states}


class RetryTiming(StepdTestCase):
    def run_mocked(self, definition, responses, *extra):
        cfg = self.write("mock.json", {"StateMachines": {"m": {"TestCases": {"c": {"T": "R"}}}},
                                       "MockedResponses": {"R": responses}})
        return self.history(definition, "--mock-config", cfg, "--test-case", "c", "--wait-scale", "0",
                            "--state-machine-name", "m", *extra)

    def scheduled_gaps(self, events):
        ts = [e["timestamp"] for e in events if e["type"] == "TaskScheduled"]
        return [round(b - a, 1) for a, b in zip(ts, ts[1:])]

    def test_backoff_intervals(self):
        d = task_machine([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}])
        r, events = self.run_mocked(d, {"0-3": {"Throw": {"Error": "E", "Cause": "c"}}})
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error, {"error": "E", "cause": "c"})
        self.assertEqual(self.scheduled_gaps(events), [2.0, 6.0, 18.0])

    def test_max_delay_caps_backoff(self):
        d = task_machine([{"ErrorEquals": ["E"], "IntervalSeconds": 10, "BackoffRate": 10, "MaxAttempts": 3,
                           "MaxDelaySeconds": 50}])
        _, events = self.run_mocked(d, {"0-3": {"Throw": {"Error": "E"}}})
        self.assertEqual(self.scheduled_gaps(events), [10.0, 50.0, 50.0])

    def test_full_jitter_stays_within_bounds(self):
        d = task_machine([{"ErrorEquals": ["E"], "IntervalSeconds": 8, "BackoffRate": 2, "MaxAttempts": 3,
                           "JitterStrategy": "FULL"}])
        seen = set()
        for _ in range(4):
            _, events = self.run_mocked(d, {"0-3": {"Throw": {"Error": "E"}}})
            gaps = self.scheduled_gaps(events)
            self.assertEqual(len(gaps), 3)
            for gap, cap in zip(gaps, [8, 16, 32]):
                self.assertGreaterEqual(gap, 0)
                self.assertLessEqual(gap, cap + 0.01)
            seen.add(tuple(gaps))
        self.assertGreater(len(seen), 1, "FULL jitter produced the same delays every time")

    def test_max_attempts_zero_never_retries(self):
        d = task_machine([{"ErrorEquals": ["E"], "MaxAttempts": 0}])
        _, events = self.run_mocked(d, {"0": {"Throw": {"Error": "E"}}, "1": {"Return": 1}})
        self.assertEqual([e["type"] for e in events].count("TaskScheduled"), 1)

    def test_first_matching_retrier_only(self):
        # The first retrier matches and is exhausted after one retry; the
        # second (States.ALL, generous) must not take over.
        d = task_machine([{"ErrorEquals": ["E"], "MaxAttempts": 1, "IntervalSeconds": 1},
                          {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}])
        _, events = self.run_mocked(d, {"0-5": {"Throw": {"Error": "E"}}})
        self.assertEqual([e["type"] for e in events].count("TaskScheduled"), 2)

    def test_retry_count_in_context(self):
        d = task_machine([{"ErrorEquals": ["E"], "MaxAttempts": 2, "IntervalSeconds": 1}])
        d["States"]["T"]["Parameters"] = {"FunctionName": "f", "n.$": "$$.State.RetryCount"}
        _, events = self.run_mocked(d, {"0-1": {"Throw": {"Error": "E"}}, "2": {"Return": 0}})
        params = [json.loads(e["taskScheduledEventDetails"]["parameters"])["n"] for e in events
                  if e["type"] == "TaskScheduled"]
        self.assertEqual(params, [0, 1, 2])


class CatchRouting(StepdTestCase):
    def run_mocked(self, definition, responses):
        cfg = self.write("mock.json", {"StateMachines": {"m": {"TestCases": {"c": {"T": "R"}}}},
                                       "MockedResponses": {"R": responses}})
        return self.history(definition, "--mock-config", cfg, "--test-case", "c", "--wait-scale", "0",
                            "--state-machine-name", "m")

    def test_catch_order_and_result_path(self):
        d = task_machine([], [{"ErrorEquals": ["Other"], "Next": "Handler"},
                              {"ErrorEquals": ["E"], "ResultPath": "$.caught", "Next": "Handler"}])
        r, events = self.run_mocked(d, {"0": {"Throw": {"Error": "E", "Cause": "why"}}})
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {"caught": {"Error": "E", "Cause": "why"}})
        types = [e["type"] for e in events]
        self.assertEqual(types, ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                 "TaskFailed", "TaskStateExited", "PassStateEntered", "PassStateExited",
                                 "ExecutionSucceeded"])

    def test_states_all_does_not_catch_runtime(self):
        d = task_machine([], [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}])
        d["States"]["T"]["InputPath"] = "$.missing"
        r, _ = self.run_mocked(d, {"0": {"Return": 1}})
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "States.Runtime")

    def test_task_timeout_is_caught(self):
        d = task_machine([], [{"ErrorEquals": ["States.Timeout"], "Next": "Handler"}])
        d["States"]["T"]["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"
        d["States"]["T"]["TimeoutSeconds"] = 5
        d["States"]["T"]["Parameters"] = {"FunctionName": "f", "token.$": "$$.Task.Token"}
        # A mocked States.Timeout is recorded as TaskTimedOut, as AWS
        # records a task that timed out, and Catch routes it.
        r, events = self.run_mocked(d, {"0": {"Throw": {"Error": "States.Timeout"}}})
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("TaskTimedOut", [e["type"] for e in events])


if __name__ == "__main__":
    unittest.main()
