"""Lambda and SNS connectors end to end against moto's server over real
HTTP, in `stepd run` and `stepd serve`, and SigV4 against moto with its
authentication on (INITIAL_NO_AUTH_ACTION_COUNT): credentials created in
moto succeed, a wrong secret fails with the error AWS gives.

Skips (exit 77) when moto_server is not installed (bare Debian has no
package: pip install 'moto[server]')."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_servers import CLEAN_ENV, MOTO_HINT, Moto, moto_available  # noqa: E402
from stepd_test import StepdTestCase  # noqa: E402

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")
ACCOUNT = "123456789012"


def task(resource, params=None, **extra):
    st = {"Type": "Task", "Resource": resource, "End": True}
    if params is not None:
        st["Parameters"] = params
    st.update(extra)
    return {"StartAt": "T", "States": {"T": st}}


class MotoBase(StepdTestCase):
    env = {}

    def stepd_run(self, definition, input=None, *args, env=None):
        path = self.write("m.asl.json", definition)
        e = dict(CLEAN_ENV, AWS_ENDPOINT_URL=self.moto.url)
        e.update(env or {})
        argv = [STEPD, "run", path, "--input", json.dumps(input if input is not None else {}), *args]
        return subprocess.run(argv, capture_output=True, text=True, env=e, timeout=60)

    def error(self, p):
        return json.loads([l for l in p.stderr.splitlines() if l.startswith("{")][-1])


class MotoLambdaSns(MotoBase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.fn_arn = cls.moto.create_function("worker")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def test_invoke_scripted_results(self):
        self.moto.lambda_results('{"dataAvailable": true}', '"second"')
        d = task("arn:aws:states:::lambda:invoke", {"FunctionName": "worker", "Payload.$": "$"},
                 ResultSelector={"P.$": "$.Payload", "S.$": "$.StatusCode"}, ResultPath="$.first")
        d["States"]["T"].pop("End")
        d["States"]["T"]["Next"] = "Direct"
        d["States"]["Direct"] = {"Type": "Task", "Resource": self.fn_arn, "ResultPath": "$.second", "End": True}
        p = self.stepd_run(d, {"in": 1})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"in": 1, "first": {"P": {"dataAvailable": True}, "S": 200},
                                                "second": "second"})

    def test_sns_publish_reaches_queue(self):
        sns, sqs = self.moto.client("sns"), self.moto.client("sqs")
        topic = sns.create_topic(Name="etl-done")["TopicArn"]
        q = sqs.create_queue(QueueName="etl-inbox")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
        d = task("arn:aws:states:::sns:publish",
                 {"TopicArn": topic, "Subject": "ETL", "Message": {"status.$": "$.s", "n": 2},
                  "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "report"}}})
        p = self.stepd_run(d, {"s": "ok"})
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(list(out), ["MessageId", "SdkHttpMetadata", "SdkResponseMetadata"])
        self.assertEqual(out["SdkHttpMetadata"]["HttpStatusCode"], 200)
        msgs = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1)["Messages"]
        body = json.loads(msgs[0]["Body"])
        self.assertEqual(body["MessageId"], out["MessageId"])
        self.assertEqual(json.loads(body["Message"]), {"status": "ok", "n": 2})
        self.assertEqual(body["Subject"], "ETL")
        self.assertEqual(body["MessageAttributes"]["kind"]["Value"], "report")

    def test_sns_missing_topic(self):
        p = self.stepd_run(task("arn:aws:states:::sns:publish",
                                {"TopicArn": "arn:aws:sns:us-east-1:%s:nope" % ACCOUNT, "Message": "hi"}))
        e = self.error(p)
        self.assertEqual(e["error"], "SNS.NotFoundException")
        # AWS says "Topic does not exist", moto "Endpoint does not exist".
        self.assertRegex(e["cause"], r"^\w+ does not exist \(Service: AmazonSNS; Status Code: 404; Error Code: "
                                     r"NotFound; Request ID: \w+; Proxy: null\)$")

    def test_role_arn_assumed_through_sts(self):
        self.moto.lambda_results('"as role"')
        role = "arn:aws:iam::%s:role/stepd-lambda" % ACCOUNT
        d = task("arn:aws:states:::lambda:invoke", {"FunctionName": "worker"},
                 Credentials={"RoleArn.$": "$.role"}, OutputPath="$.Payload")
        p = self.stepd_run(d, {"role": role}, "--log-level", "info")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), "as role")
        self.assertIn("sts AssumeRole", p.stderr)

    def test_serve_runs_lambda_task(self):
        try:
            import boto3
        except ImportError:
            self.skipTest("boto3 is not importable")
        self.moto.lambda_results('{"served": true}')
        e = dict(CLEAN_ENV, AWS_ENDPOINT_URL=self.moto.url)
        log = open(os.path.join(self.dir, "serve.log"), "w+")
        proc = subprocess.Popen([STEPD, "serve", "--listen", "127.0.0.1:0", "--db", ":memory:"],
                                stderr=log, stdout=subprocess.DEVNULL, env=e)
        try:
            port = None
            for _ in range(300):
                log.seek(0)
                m = re.search(r"listening on 127.0.0.1:(\d+)", log.read())
                if m:
                    port = m.group(1)
                    break
                time.sleep(0.02)
            self.assertIsNotNone(port)
            sfn = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:" + port, region_name="us-east-1",
                               aws_access_key_id="x", aws_secret_access_key="x")
            sm = sfn.create_state_machine(
                name="lam", roleArn="arn:aws:iam::%s:role/r" % ACCOUNT,
                definition=json.dumps(task("arn:aws:states:::lambda:invoke", {"FunctionName": "worker"},
                                           OutputPath="$.Payload")))["stateMachineArn"]
            ex = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
            for _ in range(200):
                d = sfn.describe_execution(executionArn=ex)
                if d["status"] != "RUNNING":
                    break
                time.sleep(0.05)
            self.assertEqual(d["status"], "SUCCEEDED")
            self.assertEqual(json.loads(d["output"]), {"served": True})
            log.seek(0)
            self.assertIn("lambda Invoke (state 'T'): HTTP 200 in", log.read())
        finally:
            proc.terminate()
            proc.wait(10)
            log.close()


class MotoSigV4(MotoBase):
    """moto checks signatures once its first INITIAL_NO_AUTH_ACTION_COUNT
    requests (used here to create the user and key) are done."""

    @classmethod
    def setUpClass(cls):
        cls.moto = Moto(INITIAL_NO_AUTH_ACTION_COUNT=5)
        iam = cls.moto.client("iam")
        iam.create_user(UserName="stepd")
        iam.put_user_policy(UserName="stepd", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="stepd")["AccessKey"]
        cls.key, cls.secret = key["AccessKeyId"], key["SecretAccessKey"]
        sns = cls.moto.client("sns", key=cls.key, secret=cls.secret)
        cls.topic = sns.create_topic(Name="signed")["TopicArn"]

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def publish(self, secret):
        return self.stepd_run(task("arn:aws:states:::sns:publish", {"TopicArn": self.topic, "Message": "m"}),
                              env={"AWS_ACCESS_KEY_ID": self.key, "AWS_SECRET_ACCESS_KEY": secret})

    def test_right_credentials_succeed(self):
        p = self.publish(self.secret)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("MessageId", json.loads(p.stdout))

    def test_wrong_secret_fails_as_aws(self):
        p = self.publish("not-the-secret")
        self.assertEqual(p.returncode, 1, p.stderr)
        e = self.error(p)
        self.assertEqual(e["error"], "SNS.AmazonSNSException")
        self.assertRegex(e["cause"], r"Status Code: 403; Error Code: SignatureDoesNotMatch")


if __name__ == "__main__":
    if not moto_available():
        print("skipping: " + MOTO_HINT, file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
