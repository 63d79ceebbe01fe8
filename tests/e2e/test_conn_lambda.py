"""The Lambda connector end to end over real HTTP, against our Lambda fake
(tests/fakes/lambda_fake.py) for what moto cannot do: function errors (the
cause byte for byte), service errors, throttling with Retry, a transport
failure, TimeoutSeconds cancelling a slow call, and the same through
`stepd serve`. Standard library only: runs under Debian's python3 too."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_servers import CLEAN_ENV, LambdaFake  # noqa: E402
from stepd_test import StepdTestCase  # noqa: E402

import subprocess  # noqa: E402

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")


def invoke_state(fn, **extra):
    st = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"FunctionName": fn, "Payload.$": "$"}, "End": True}
    st.update(extra)
    return {"StartAt": "Call", "States": {"Call": st}}


def direct_state(fn, **extra):
    st = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:" + fn, "End": True}
    st.update(extra)
    return {"StartAt": "Call", "States": {"Call": st}}


class LambdaFakeTest(StepdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = LambdaFake()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def run_machine(self, definition, input=None, *args, env=None):
        path = self.write("m.asl.json", definition)
        e = dict(CLEAN_ENV, AWS_ENDPOINT_URL_LAMBDA=self.fake.url)
        e.update(env or {})
        argv = [STEPD, "run", path, "--input", json.dumps(input if input is not None else {}), *args]
        p = subprocess.run(argv, capture_output=True, text=True, env=e, timeout=60)
        return p

    def error(self, p):
        return json.loads([l for l in p.stderr.splitlines() if l.startswith("{")][-1])

    def test_invoke_result_shape(self):
        p = self.run_machine(invoke_state("echo", ResultSelector={"P.$": "$.Payload", "S.$": "$.StatusCode",
                                                                  "V.$": "$.ExecutedVersion",
                                                                  "M.$": "$.SdkHttpMetadata.HttpStatusCode"}),
                             {"a": [1, "x"]})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"P": {"a": [1, "x"]}, "S": 200, "V": "$LATEST", "M": 200})

    def test_invoke_keys_qualifier_logtype(self):
        d = invoke_state("echo")
        d["States"]["Call"]["Parameters"].update(Qualifier="7", LogType="Tail")
        p = self.run_machine(d, {"k": 1})
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(list(out), ["ExecutedVersion", "LogResult", "Payload", "SdkHttpMetadata",
                                     "SdkResponseMetadata", "StatusCode"])
        self.assertEqual(out["ExecutedVersion"], "7")
        self.assertEqual(out["LogResult"], "bG9nIGxpbmUK")
        self.assertEqual(out["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Executed-Version"], ["7"])
        self.assertTrue(out["SdkResponseMetadata"]["RequestId"])

    def test_function_arn_in_function_name(self):
        p = self.run_machine(invoke_state("arn:aws:lambda:us-east-1:123456789012:function:echo:live",
                                          OutputPath="$.ExecutedVersion"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), "live")

    def test_direct_arn_returns_payload(self):
        p = self.run_machine(direct_state("echo"), {"n": 3})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"n": 3})

    def test_direct_history_events(self):
        hist = os.path.join(self.dir, "h.json")
        p = self.run_machine(direct_state("echo"), {"n": 3}, "--history", hist)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(hist) as f:
            types = [e["type"] for e in json.load(f)["events"]]
        self.assertEqual(types, ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                 "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
                                 "ExecutionSucceeded"])

    def test_function_error_cause_byte_for_byte(self):
        for d in (invoke_state("error-CustomError"), direct_state("error-CustomError")):
            p = self.run_machine(d)
            self.assertEqual(p.returncode, 1, p.stderr)
            e = self.error(p)
            self.assertEqual(e["error"], "CustomError")
            self.assertEqual(e["cause"], '{"errorMessage": "Some exception was raised.", "errorType": '
                                         '"CustomError", "stackTrace": []}')

    def test_function_error_without_type_is_unknown(self):
        p = self.run_machine(invoke_state("unknown"))
        self.assertEqual(self.error(p), {"error": "Lambda.Unknown",
                                         "cause": '{"errorMessage":"Task timed out after 1.00 seconds"}'})

    def test_service_errors(self):
        p = self.run_machine(invoke_state("notfound"))
        e = self.error(p)
        self.assertEqual(e["error"], "Lambda.ResourceNotFoundException")
        self.assertRegex(e["cause"], r"^Function not found: arn:aws:lambda:us-east-1:123456789012:function:notfound "
                                     r"\(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; "
                                     r"Request ID: [0-9a-f-]+; Proxy: null\)$")
        p = self.run_machine(invoke_state("service"))
        self.assertEqual(self.error(p)["error"], "Lambda.ServiceException")

    def test_code_the_model_lacks_is_the_generic_exception(self):
        e = self.error(self.run_machine(invoke_state("denied")))
        self.assertEqual(e["error"], "Lambda.AWSLambdaException")
        self.assertIn("Status Code: 403; Error Code: AccessDeniedException;", e["cause"])

    def test_event_invocation(self):
        d = invoke_state("echo", ResultSelector={"P.$": "$.Payload", "S.$": "$.StatusCode"})
        d["States"]["Call"]["Parameters"]["InvocationType"] = "Event"
        p = self.run_machine(d, {"a": 1})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"P": "", "S": 202})

    def test_assume_role_failure_fails_the_task(self):
        d = invoke_state("echo", Credentials={"RoleArn": "arn:aws:iam::123456789012:role/r"})
        p = self.run_machine(d, None, env={"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"})
        e = self.error(p)
        self.assertEqual(e["error"], "STS.SdkClientException")

    def test_validate_knows_the_resources(self):
        path = self.write("v.asl.json", {"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
                  "Next": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Next": "C"},
            "C": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                  "Parameters": {"TopicArn": "t", "Message": "m"}, "End": True}}})
        p = subprocess.run([STEPD, "validate", path], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("RESOURCE_NOT_SERVED", p.stdout)

    def test_throttling_retried(self):
        d = invoke_state("throttle-2", Retry=[{"ErrorEquals": ["Lambda.TooManyRequestsException"],
                                               "IntervalSeconds": 1, "MaxAttempts": 3}],
                         OutputPath="$.Payload")
        p = self.run_machine(d, {"done": True}, "--wait-scale", "0", "--log-level", "info")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"done": True})
        self.assertEqual(p.stderr.count("Lambda.TooManyRequestsException"), 2, p.stderr)
        self.assertIn("retry 2", p.stderr)

    def test_transport_failure_is_sdk_client_exception(self):
        p = self.run_machine(invoke_state("hangup"))
        e = self.error(p)
        self.assertEqual(e["error"], "Lambda.SdkClientException")
        self.assertTrue(e["cause"].startswith("Unable to execute HTTP request: "), e)
        p = self.run_machine(invoke_state("echo"), env={"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:1"})
        e = self.error(p)
        self.assertEqual(e["error"], "Lambda.SdkClientException")

    def test_timeout_cancels_slow_call(self):
        d = invoke_state("sleep-30000", TimeoutSeconds=1,
                         Catch=[{"ErrorEquals": ["States.Timeout"], "Next": "Caught"}])
        d["States"]["Call"].pop("End")
        d["States"]["Call"]["Next"] = "Never"
        d["States"]["Never"] = {"Type": "Succeed"}
        d["States"]["Caught"] = {"Type": "Pass", "Result": "timed out", "End": True}
        p = self.run_machine(d, None, "--log-level", "info")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), "timed out")
        self.assertIn("cancelled", p.stderr)

    def test_endpoint_from_config_file(self):
        cfg = self.write("stepd.json", {"region": "eu-west-1", "endpoints": {"lambda": self.fake.url}})
        p = self.run_machine(invoke_state("echo", OutputPath="$.Payload"), {"z": 1}, "--config", cfg,
                             env={"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:1"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"z": 1})

    def test_bad_config_file(self):
        cfg = self.write("stepd.json", {"endpoints": {"lambda": 5}})
        p = self.run_machine(invoke_state("echo"), None, "--config", cfg)
        self.assertEqual(p.returncode, 2)
        self.assertIn("/endpoints/lambda", p.stderr)

    def test_map_of_many_calls_in_order(self):
        d = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                                               "ItemProcessor": {"StartAt": "C", "States": {"C": {
                                                   "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                   "Parameters": {"FunctionName": "sleep-100", "Payload.$": "$"},
                                                   "OutputPath": "$.Payload", "End": True}}}}}}
        p = self.run_machine(d, {"items": list(range(200))})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), list(range(200)))


if __name__ == "__main__":
    unittest.main()
