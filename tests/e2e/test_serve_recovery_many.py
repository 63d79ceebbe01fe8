"""Issue 4's recovery test: 200 executions spread over every state an
execution can be in when `stepd serve` is killed with SIGKILL -- a Wait, a
Retry back-off, an activity task queued and one a worker holds (its task
token handed out before the kill and answered after it), a Map with
iterations ended, in flight and not started (with and without
MaxConcurrency), a Parallel with a branch ended, one in a task and one in a
Wait -- then a restart on the same database. Every execution must end with
the output an uninterrupted run gives, and a consistent history: ids 1..n,
one ExecutionStarted first and one ExecutionSucceeded last, every state
entered once per frame and exited once, nothing aborted or failed but the
one activity failure the Retry case asks for.

Deterministic: nothing depends on timing. The executions stop where they
are until the test acts (activity tasks wait for the test's worker; Waits
and back-offs last an hour), the test checks from the history that each one
got there before it kills, and the second server runs with --wait-scale 0,
so the hour-long waits end as soon as nothing else can happen.

Skips (exit 77) when boto3 is not importable."""
import collections
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_compat import ROLE, boto3  # noqa: E402
from serve_harness import Server, history  # noqa: E402

ACT = "arn:aws:states:us-east-1:123456789012:activity:"
POLL_ENV = {"STEPD_ACTIVITY_POLL_SECONDS": "0.1"}


def task(activity, **kw):
    state = {"Type": "Task", "Resource": ACT + activity}
    state.update(kw)
    return state


MACHINES = {
    # Waits an hour: killed mid-Wait.
    "Wait": {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
            "P": {"Type": "Pass", "Result": "done", "ResultPath": "$.p", "End": True},
        },
    },
    # The worker fails the first attempt before the kill: killed in the
    # hour-long back-off; the retry after the restart succeeds.
    "Retry": {
        "StartAt": "T",
        "States": {
            "T": task(
                "flaky",
                ResultPath="$.r",
                Retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3600, "MaxAttempts": 2}],
                End=True,
            )
        },
    },
    # Killed while the task waits in its activity's queue.
    "Queued": {"StartAt": "T", "States": {"T": task("queued", ResultPath="$.r", End=True)}},
    # Killed while a worker holds the task: it answers after the restart
    # with the token it got before.
    "Held": {"StartAt": "T", "States": {"T": task("held", ResultPath="$.r", End=True)}},
    # Items 0 and 1 are quick, 2 and 3 wait on a worker, 4 and 5 are not
    # started at the kill (MaxConcurrency 2).
    "MapCap": {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemSelector": {"v.$": "$$.Map.Item.Value.v", "slow.$": "$$.Map.Item.Value.slow", "i.$": "$.i"},
                "ItemProcessor": {
                    "StartAt": "C",
                    "States": {
                        "C": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.slow", "BooleanEquals": True, "Next": "Slow"}],
                            "Default": "Quick",
                        },
                        "Slow": task("mapwork", End=True),
                        "Quick": {"Type": "Pass", "Parameters": {"quick.$": "$.v"}, "End": True},
                    },
                },
                "ResultPath": "$.out",
                "Next": "After",
            },
            "After": {"Type": "Pass", "Result": "after", "ResultPath": "$.after", "End": True},
        },
    },
    # Every iteration starts at once: quick ones end, slow ones wait.
    "MapAll": {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"v.$": "$$.Map.Item.Value.v", "slow.$": "$$.Map.Item.Value.slow", "i.$": "$.i"},
                "ItemProcessor": {
                    "StartAt": "C",
                    "States": {
                        "C": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.slow", "BooleanEquals": True, "Next": "Slow"}],
                            "Default": "Quick",
                        },
                        "Slow": task("mapwork", Next="Nap"),
                        "Nap": {"Type": "Wait", "Seconds": 3600, "End": True},
                        "Quick": {"Type": "Pass", "Parameters": {"quick.$": "$.v"}, "End": True},
                    },
                },
                "End": True,
            }
        },
    },
    # Branch 0 ends, branch 1 waits on a worker, branch 2 in a Wait.
    "Par": {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"a.$": "$.i"}, "End": True}}},
                    {"StartAt": "B", "States": {"B": task("parwork", End=True)}},
                    {
                        "StartAt": "W",
                        "States": {
                            "W": {"Type": "Wait", "Seconds": 3600, "Next": "C"},
                            "C": {"Type": "Pass", "Parameters": {"c.$": "$.i"}, "End": True},
                        },
                    },
                ],
                "End": True,
            }
        },
    },
}
COUNTS = {"Wait": 40, "Retry": 25, "Queued": 25, "Held": 30, "MapCap": 30, "MapAll": 25, "Par": 25}
ITEMS = [{"v": v, "slow": slow} for v, slow in enumerate([False, False, True, True, False, True])]


def worker_output(activity, task_input):
    """What the test's worker answers: a function of the task's input."""
    value = json.loads(task_input)
    if activity == "mapwork":
        return {"slow": value["v"], "i": value["i"]}
    return {"by": activity, "i": value["i"]}


def expected_output(kind, i):
    if kind == "Wait":
        return {"i": i, "p": "done"}
    if kind in ("Retry", "Queued", "Held"):
        by = {"Retry": "flaky", "Queued": "queued", "Held": "held"}[kind]
        return {"i": i, "r": {"by": by, "i": i}}
    if kind in ("MapCap", "MapAll"):
        out = [{"slow": it["v"], "i": i} if it["slow"] else {"quick": it["v"]} for it in ITEMS]
        if kind == "MapAll":
            return out
        return {"i": i, "items": ITEMS, "out": out, "after": "after"}
    return [{"a": i}, {"by": "parwork", "i": i}, {"c": i}]


def start_input(kind, i):
    return {"i": i, "items": ITEMS} if kind.startswith("Map") else {"i": i}



def types_of(events):
    return collections.Counter(e["type"] for e in events)


def reached(kind, counts):
    """Whether an execution's history shows it where the kill must find it."""
    if kind == "Wait":
        return counts["WaitStateEntered"] == 1
    if kind == "Retry":
        return counts["ActivityFailed"] == 1
    if kind == "Queued":
        return counts["ActivityScheduled"] == 1
    if kind == "Held":
        return counts["ActivityStarted"] == 1
    if kind == "MapCap":
        return counts["MapIterationSucceeded"] == 2 and counts["ActivityScheduled"] == 2
    if kind == "MapAll":
        return counts["MapIterationSucceeded"] == 3 and counts["ActivityScheduled"] == 3
    return counts["PassStateExited"] == 1 and counts["ActivityScheduled"] == 1 and counts["WaitStateEntered"] == 1




@unittest.skipIf(boto3 is None, "boto3 is not installed")
class TestKillTwoHundred(unittest.TestCase):
    def poll(self, sfn, activity):
        """One task of the activity, or None."""
        t = sfn.get_activity_task(activityArn=ACT + activity, workerName="w-" + activity)
        return (t["taskToken"], t["input"]) if t.get("taskToken") else None

    def test_sigkill_with_200_executions_in_flight(self):
        first = Server(env=POLL_ENV)
        self.addCleanup(first.tmp.cleanup)  # holds the database both servers use
        self.addCleanup(first.kill)
        sfn = first.client()
        for name in ("flaky", "queued", "held", "mapwork", "parwork"):
            sfn.create_activity(name=name)
        arns = {}
        for kind, definition in MACHINES.items():
            arns[kind] = sfn.create_state_machine(name=kind, definition=json.dumps(definition), roleArn=ROLE)[
                "stateMachineArn"
            ]
        runs = []  # (kind, i, execution ARN)
        i = 0
        for kind, n in COUNTS.items():
            for _ in range(n):
                arn = sfn.start_execution(
                    stateMachineArn=arns[kind], name="%s-%d" % (kind, i), input=json.dumps(start_input(kind, i))
                )["executionArn"]
                runs.append((kind, i, arn))
                i += 1
        self.assertEqual(len(runs), 200)

        # Before the kill: the Retry executions' first attempts fail, the
        # Held tasks go to a worker that keeps their tokens.
        held = {}
        todo = {"flaky": COUNTS["Retry"], "held": COUNTS["Held"]}
        deadline = time.time() + 120
        while any(todo.values()):
            self.assertLess(time.time(), deadline, "activity tasks missing: %s" % todo)
            for activity in [a for a, n in todo.items() if n]:
                got = self.poll(sfn, activity)
                if got is None:
                    continue
                token, task_input = got
                todo[activity] -= 1
                if activity == "flaky":
                    sfn.send_task_failure(taskToken=token, error="Flaky", cause="first attempt")
                else:
                    held[json.loads(task_input)["i"]] = token
        for kind, i, arn in runs:
            while not reached(kind, types_of(history(sfn, arn))):
                self.assertLess(time.time(), deadline, "%s %d never got where the kill must find it" % (kind, i))
                time.sleep(0.05)
        self.assertEqual(sum(1 for r in runs if sfn.describe_execution(executionArn=r[2])["status"] == "RUNNING"), 200)
        first.proc.kill()  # SIGKILL: nothing is flushed or closed
        first.proc.wait()
        first.log.close()

        second = Server(("--wait-scale", "0"), env=POLL_ENV, db=first.db, start_timeout=60)
        self.addCleanup(second.tmp.cleanup)
        self.addCleanup(second.kill)
        self.assertIn("restart: 200 execution(s) resumed, 0 failed", second.read_log())
        sfn = second.client()
        # The tokens handed out before the kill still complete their tasks.
        for i, token in held.items():
            sfn.send_task_success(taskToken=token, output=json.dumps(worker_output("held", json.dumps({"i": i}))))
        # The worker serves every other activity until all executions end.
        running = {arn for _, _, arn in runs}
        deadline = time.time() + 300
        while running:
            self.assertLess(time.time(), deadline, "%d executions still RUNNING" % len(running))
            for activity in ("flaky", "queued", "mapwork", "parwork"):
                while True:
                    got = self.poll(sfn, activity)
                    if got is None:
                        break
                    token, task_input = got
                    sfn.send_task_success(taskToken=token, output=json.dumps(worker_output(activity, task_input)))
            running = {arn for arn in running if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"}

        for kind, i, arn in runs:
            d = sfn.describe_execution(executionArn=arn)
            self.assertEqual(d["status"], "SUCCEEDED", (kind, i, d))
            self.assertEqual(json.loads(d["output"]), expected_output(kind, i), (kind, i))
            self.check_history(kind, history(sfn, arn))
        code = second.stop()
        log = second.read_log()
        self.assertEqual(code, 0, log)
        self.assertNotIn("Sanitizer", log)
        self.assertNotIn("runtime error", log)

    def check_history(self, kind, events):
        where = "%s: %s" % (kind, [(e["id"], e["type"]) for e in events])
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)), where)
        counts = types_of(events)
        self.assertEqual(events[0]["type"], "ExecutionStarted", where)
        self.assertEqual(events[-1]["type"], "ExecutionSucceeded", where)
        self.assertEqual(counts["ExecutionStarted"], 1, where)
        for t in counts:
            self.assertNotIn("Aborted", t, where)
            if t != "ActivityFailed":
                self.assertNotIn("Failed", t, where)
        # Every state is entered once per frame and exited once: nothing
        # that had exited ran again, and nothing was entered twice.
        entered = collections.Counter(
            e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")
        )
        exited = collections.Counter(
            e["stateExitedEventDetails"]["name"] for e in events if e["type"].endswith("StateExited")
        )
        self.assertEqual(entered, exited, where)
        slow = sum(1 for it in ITEMS if it["slow"])
        want = {
            "Wait": {"W": 1, "P": 1},
            "Retry": {"T": 1},
            "Queued": {"T": 1},
            "Held": {"T": 1},
            "MapCap": {"M": 1, "C": len(ITEMS), "Slow": slow, "Quick": len(ITEMS) - slow, "After": 1},
            "MapAll": {"M": 1, "C": len(ITEMS), "Slow": slow, "Nap": slow, "Quick": len(ITEMS) - slow},
            "Par": {"P": 1, "A": 1, "B": 1, "W": 1, "C": 1},
        }[kind]
        self.assertEqual(dict(entered), want, where)
        activities = 2 if kind == "Retry" else 1
        if kind.startswith("Map"):
            activities = slow
            self.assertEqual(counts["MapStateStarted"], 1, where)
            self.assertEqual(counts["MapIterationStarted"], len(ITEMS), where)
            self.assertEqual(counts["MapIterationSucceeded"], len(ITEMS), where)
        if kind in ("Wait",):
            activities = 0
        self.assertEqual(counts["ActivityScheduled"], activities, where)
        self.assertEqual(counts["ActivityStarted"], activities, where)
        self.assertEqual(counts["ActivitySucceeded"], activities - (kind == "Retry"), where)


if __name__ == "__main__":
    if boto3 is None:
        sys.exit(77)
    unittest.main()
