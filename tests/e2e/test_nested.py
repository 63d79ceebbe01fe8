"""Nested executions: arn:aws:states:::states:startExecution (request-response,
.sync, .sync:2, .waitForTaskToken) under `stepd serve`, driven by boto3, and
under `stepd run` with --state-machine. Result shapes and errors as AWS
recorded them (conformance corpus: TestTaskServiceSfn, TestCallback).

The serve tests skip (exit 77) when boto3 is not importable; the run tests
need nothing."""
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stepd_test import StepdTestCase  # noqa: E402
from test_serve_api import ServeTestCase, boto3  # noqa: E402

ACCOUNT = "123456789012"
RES = "arn:aws:states:::states:startExecution"

CHILD_OK = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
CHILD_FAIL = {
    "StartAt": "F",
    "States": {"F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}},
}
CHILD_WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def machine_arn(name):
    return "arn:aws:states:us-east-1:%s:stateMachine:%s" % (ACCOUNT, name)


def parent(suffix="", **task):
    state = {
        "Type": "Task",
        "Resource": RES + suffix,
        "Parameters": {"StateMachineArn.$": "$.arn", "Input.$": "$.in", "Name.$": "$.name"},
        "End": True,
    }
    state.update(task)
    return {"StartAt": "Start", "States": {"Start": state}}


class TestNestedServe(ServeTestCase):
    def start(self, machine, child, name, inp=None, suffix=""):
        m = self.create("p-%s" % name, machine)
        payload = {"arn": child, "in": {"Hello": "World"} if inp is None else inp, "name": name}
        return self.sfn.start_execution(stateMachineArn=m, input=json.dumps(payload))["executionArn"]

    def child_arn(self, child_machine, name):
        return "arn:aws:states:us-east-1:%s:execution:%s:%s" % (ACCOUNT, child_machine, name)

    def test_request_response(self):
        child = self.create("c-rr", CHILD_WAIT)
        ex = self.start(parent(), child, "rr")
        d = self.wait_done(ex)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        kid = self.child_arn("c-rr", "rr")
        self.assertEqual(out["ExecutionArn"], kid)
        self.assertIsInstance(out["StartDate"], int)
        meta = out["SdkHttpMetadata"]
        self.assertEqual(meta["HttpStatusCode"], 200)
        self.assertEqual(meta["HttpHeaders"]["Content-Type"], "application/x-amz-json-1.0")
        self.assertRegex(out["SdkResponseMetadata"]["RequestId"], REQUEST_ID)
        # The child is a real execution, still running on its own.
        c = self.sfn.describe_execution(executionArn=kid)
        self.assertEqual(c["status"], "RUNNING")
        self.assertEqual(json.loads(c["input"]), {"Hello": "World"})
        self.assertIn(kid, [e["executionArn"] for e in self.sfn.list_executions(stateMachineArn=child)["executions"]])
        self.sfn.stop_execution(executionArn=kid)
        types = [e["type"] for e in self.history(ex)]
        self.assertEqual(types[:5], ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded"])

    def test_sync_returns_describe_execution_with_output_text(self):
        child = self.create("c-sync", CHILD_OK)
        ex = self.start(parent(".sync"), child, "sync", inp=None)
        d = self.wait_done(ex)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        kid = self.child_arn("c-sync", "sync")
        self.assertEqual(out["ExecutionArn"], kid)
        self.assertEqual(out["Output"], '{"Arg1":"argument1"}')
        self.assertEqual(out["Input"], '{"Hello":"World"}')
        self.assertEqual(out["Status"], "SUCCEEDED")
        self.assertEqual(out["StateMachineArn"], child)
        self.assertEqual(out["Name"], "sync")
        self.assertEqual(out["InputDetails"], {"Included": True})
        self.assertEqual(out["OutputDetails"], {"Included": True})
        self.assertGreaterEqual(out["StopDate"], out["StartDate"])
        types = [e["type"] for e in self.history(ex)]
        self.assertEqual(
            types,
            ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
             "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"],
        )
        submitted = [e for e in self.history(ex) if e["type"] == "TaskSubmitted"][0]["taskSubmittedEventDetails"]
        self.assertEqual(submitted["resource"], "startExecution.sync")
        self.assertEqual(json.loads(submitted["output"])["ExecutionArn"], kid)
        self.assertEqual(self.sfn.describe_execution(executionArn=kid)["status"], "SUCCEEDED")

    def test_sync2_returns_json(self):
        child = self.create("c-sync2", CHILD_OK)
        ex = self.start(parent(".sync:2"), child, "sync2", inp="{\"a\": [1, 2]}")
        d = self.wait_done(ex)
        self.assertEqual(d["status"], "SUCCEEDED", d)
        out = json.loads(d["output"])
        self.assertEqual(out["Output"], {"Arg1": "argument1"})
        self.assertEqual(out["Input"], {"a": [1, 2]})
        # A string Input is the child's input text, kept as given.
        c = self.sfn.describe_execution(executionArn=out["ExecutionArn"])
        self.assertEqual(c["input"], "{\"a\": [1, 2]}")

    def test_sync_child_failure_is_task_failed(self):
        child = self.create("c-fail", CHILD_FAIL)
        ex = self.start(parent(".sync"), child, "fail", inp=None)
        d = self.wait_done(ex)
        self.assertEqual(d["status"], "FAILED")
        self.assertEqual(d["error"], "States.TaskFailed")
        cause = json.loads(d["cause"])
        self.assertEqual(cause["Error"], "SomeFailure")
        self.assertEqual(cause["Cause"], "This state machines raises a 'SomeFailure' failure.")
        self.assertEqual(cause["Status"], "FAILED")
        self.assertEqual(cause["ExecutionArn"], self.child_arn("c-fail", "fail"))
        self.assertNotIn("Output", cause)
        # Keys in AWS's order (the recorded cause text is alphabetical).
        self.assertEqual(list(cause), sorted(cause))

    def test_no_such_machine(self):
        missing = machine_arn("nope")
        ex = self.start(parent(), missing, "nosuch")
        d = self.wait_done(ex)
        self.assertEqual(d["error"], "StepFunctions.StateMachineDoesNotExistException")
        self.assertRegex(
            d["cause"],
            r"^State Machine Does Not Exist: '%s' \(Service: AWSStepFunctions; Status Code: 400; Error Code: "
            r"StateMachineDoesNotExist; Request ID: %s; Proxy: null\)$" % (re.escape(missing), REQUEST_ID),
        )

    def test_name_taken(self):
        child = self.create("c-taken", CHILD_OK)
        first = self.wait_done(self.start(parent(".sync"), child, "taken"))
        self.assertEqual(first["status"], "SUCCEEDED")
        m = self.create("p-taken2", parent())
        ex = self.sfn.start_execution(
            stateMachineArn=m, input=json.dumps({"arn": child, "in": {}, "name": "taken"})
        )["executionArn"]
        d = self.wait_done(ex)
        self.assertEqual(d["error"], "StepFunctions.ExecutionAlreadyExistsException")
        self.assertTrue(d["cause"].startswith("Execution Already Exists: '%s'" % self.child_arn("c-taken", "taken")))

    def test_parent_stop_aborts_sync_child(self):
        child = self.create("c-stop", CHILD_WAIT)
        ex = self.start(parent(".sync"), child, "stop")
        kid = self.child_arn("c-stop", "stop")
        deadline = time.time() + 20
        while True:
            try:
                if self.sfn.describe_execution(executionArn=kid)["status"] == "RUNNING":
                    break
            except self.sfn.exceptions.ExecutionDoesNotExist:
                pass
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.sfn.stop_execution(executionArn=ex)
        self.assertEqual(self.wait_done(ex)["status"], "ABORTED")
        self.assertEqual(self.wait_done(kid)["status"], "ABORTED")

    def test_child_stop_fails_sync_parent(self):
        child = self.create("c-kstop", CHILD_WAIT)
        ex = self.start(parent(".sync:2"), child, "kstop")
        kid = self.child_arn("c-kstop", "kstop")
        deadline = time.time() + 20
        while not any(e["type"] == "TaskSubmitted" for e in self.history(ex)):
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.sfn.stop_execution(executionArn=kid, error="Stopped.ByHand", cause="by hand")
        d = self.wait_done(ex)
        self.assertEqual(d["error"], "States.TaskFailed")
        cause = json.loads(d["cause"])
        self.assertEqual(cause["Status"], "ABORTED")
        self.assertEqual(cause["Error"], "Stopped.ByHand")

    def test_sync_timeout_aborts_child(self):
        child = self.create("c-tmo", CHILD_WAIT)
        ex = self.start(parent(".sync", TimeoutSeconds=1), child, "tmo")
        d = self.wait_done(ex)
        self.assertEqual(d["error"], "States.Timeout")
        self.assertEqual(self.wait_done(self.child_arn("c-tmo", "tmo"))["status"], "ABORTED")

    def test_wait_for_task_token(self):
        child = self.create("c-token", CHILD_WAIT)
        m = self.create(
            "p-token",
            {
                "StartAt": "Start",
                "States": {
                    "Start": {
                        "Type": "Task",
                        "Resource": RES + ".waitForTaskToken",
                        "Parameters": {
                            "StateMachineArn": child,
                            "Name": "token",
                            "Input": {"token.$": "$$.Task.Token", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
                        },
                        "End": True,
                    }
                },
            },
        )
        ex = self.sfn.start_execution(stateMachineArn=m)["executionArn"]
        kid = self.child_arn("c-token", "token")
        deadline = time.time() + 20
        while True:
            try:
                inp = json.loads(self.sfn.describe_execution(executionArn=kid)["input"])
                break
            except self.sfn.exceptions.ExecutionDoesNotExist:
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
        self.assertEqual(inp["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"], ex)
        self.sfn.send_task_success(taskToken=inp["token"], output=json.dumps({"from": "child"}))
        d = self.wait_done(ex)
        self.assertEqual(json.loads(d["output"]), {"from": "child"})
        types = [e["type"] for e in self.history(ex)]
        self.assertIn("TaskSubmitted", types)
        # The callback pattern does not tie the child to the parent.
        self.assertEqual(self.sfn.describe_execution(executionArn=kid)["status"], "RUNNING")
        self.sfn.stop_execution(executionArn=kid)


class TestNestedRecovery(unittest.TestCase):
    def test_sync_parent_waits_again_after_kill_9(self):
        from serve_harness import Server, history

        first = Server()
        self.addCleanup(first.tmp.cleanup)  # holds the database both servers use
        self.addCleanup(first.kill)
        sfn = first.client()
        child = {
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 2, "Next": "P"},
                       "P": {"Type": "Pass", "Result": {"done": True}, "End": True}},
        }
        role = "arn:aws:iam::123456789012:role/r"
        c = sfn.create_state_machine(name="c-recover", definition=json.dumps(child), roleArn=role)["stateMachineArn"]
        p = sfn.create_state_machine(name="p-recover", definition=json.dumps(parent(".sync:2")),
                                     roleArn=role)["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=p, input=json.dumps({"arn": c, "in": {"k": 1}, "name": "kid"}))[
            "executionArn"]
        deadline = time.time() + 10
        while not any(e["type"] == "TaskSubmitted" for e in history(sfn, ex)):
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        first.proc.kill()  # SIGKILL while the child waits
        first.proc.wait()
        first.log.close()
        second = Server(db=first.db)
        self.addCleanup(second.tmp.cleanup)
        self.addCleanup(second.kill)
        sfn = second.client()
        deadline = time.time() + 30
        while sfn.describe_execution(executionArn=ex)["status"] == "RUNNING":
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        d = sfn.describe_execution(executionArn=ex)
        self.assertEqual(d["status"], "SUCCEEDED", second.read_log())
        out = json.loads(d["output"])
        # The resumed Task found its running child (same name and input) and
        # waited for it, rather than failing on the name or starting another.
        self.assertEqual(out["Output"], {"done": True})
        kid = "arn:aws:states:us-east-1:%s:execution:c-recover:kid" % ACCOUNT
        self.assertEqual(out["ExecutionArn"], kid)
        kid_events = [e["type"] for e in history(sfn, kid)]
        self.assertEqual(kid_events.count("ExecutionStarted"), 1, kid_events)
        self.assertEqual(second.stop(), 0, second.read_log())


class TestNestedRun(StepdTestCase):
    def test_sync_through_run(self):
        child = self.write("child.asl.json", CHILD_OK)
        r = self.run_def(
            parent(".sync"), "--state-machine", child, input={"arn": machine_arn("child"), "in": {"k": 1}, "name": "n1"}
        )
        self.assertEqual(r.code, 0, r.stderr)
        out = r.output
        self.assertEqual(out["Output"], '{"Arg1":"argument1"}')
        self.assertEqual(out["ExecutionArn"], "arn:aws:states:us-east-1:%s:execution:child:n1" % ACCOUNT)

    def test_named_option_and_failure(self):
        child = self.write("whatever.json", CHILD_FAIL)
        r = self.run_def(
            parent(".sync:2"), "--state-machine", "Kid=" + child, input={"arn": machine_arn("Kid"), "in": None, "name": "n"}
        )
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "States.TaskFailed")
        cause = json.loads(r.error["cause"])
        self.assertEqual((cause["Error"], cause["Input"]), ("SomeFailure", {}))

    def test_unknown_machine(self):
        r = self.run_def(parent(".sync"), input={"arn": machine_arn("ghost"), "in": {}, "name": "n"})
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "StepFunctions.StateMachineDoesNotExistException")
        self.assertIn("State Machine Does Not Exist: '%s'" % machine_arn("ghost"), r.error["cause"])

    def test_same_name_twice(self):
        child = self.write("child.asl.json", CHILD_OK)
        task = {"Type": "Task", "Resource": RES + ".sync", "Parameters": {"StateMachineArn": machine_arn("child"), "Name": "same"}}
        definition = {"StartAt": "A", "States": {"A": dict(task, Next="B"), "B": dict(task, End=True)}}
        r = self.run_def(definition, "--state-machine", child)
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "StepFunctions.ExecutionAlreadyExistsException")

    def test_missing_state_machine_arn(self):
        task = {"Type": "Task", "Resource": RES, "Parameters": {"Name": "x"}, "End": True}
        r = self.run_def({"StartAt": "A", "States": {"A": task}})
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "StepFunctions.ValidationException")
        self.assertIn("Error Code: ValidationException;", r.error["cause"])

    def test_bad_option(self):
        r = self.stepd("run", self.write("p.json", parent()), "--state-machine", "bad name=" + self.write("c.json", CHILD_OK))
        self.assertEqual(r.code, 2)
        self.assertIn("not a state machine name", r.stderr)


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    suite.addTests(loader.loadTestsFromTestCase(TestNestedRun))
    if boto3 is not None:
        suite.addTests(loader.loadTestsFromTestCase(TestNestedServe))
        suite.addTests(loader.loadTestsFromTestCase(TestNestedRecovery))
    else:
        print("skipping the stepd serve tests: boto3 is not importable", file=sys.stderr)
    return suite


if __name__ == "__main__":
    unittest.main()
