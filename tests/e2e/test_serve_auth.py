"""`stepd serve --auth sigv4 --credentials FILE`: requests signed by boto3 and
the aws CLI with a key of the file pass; unsigned ones, unknown keys, wrong
secrets, stale dates and wrong scopes get AWS's errors. Also AWS's request
and payload size limits (with or without auth).

Skips (exit 77) when boto3 is not importable."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import PASS, ROLE, STEPD, boto3  # noqa: E402
from serve_harness import Server  # noqa: E402

if boto3 is not None:
    import botocore
    import botocore.config
    import botocore.exceptions

KEY, SECRET = "AKIDSTEPDTEST0001", "c2VjcmV0LWZvci1zdGVwZC10ZXN0cw"
KEY2, SECRET2, TOKEN2 = "ASIASTEPDTEST0002", "another/secret+key", "session-token-2"

CREDENTIALS = """# test keys
[default]
aws_access_key_id = %s
aws_secret_access_key = %s

[ci]
aws_access_key_id=%s
aws_secret_access_key=%s
aws_session_token=%s
""" % (KEY, SECRET, KEY2, SECRET2, TOKEN2)


def sign_by_hand(url, body, amz_date):
    """SigV4 as the AWS General Reference spells it, for a date of our
    choosing (botocore always signs with the current time)."""
    import hashlib
    import hmac

    host = url.split("//", 1)[1]
    target = "AWSStepFunctions.ListStateMachines"
    headers = {"content-type": "application/x-amz-json-1.0", "host": host, "x-amz-date": amz_date,
               "x-amz-target": target}
    names = sorted(headers)
    canonical = "POST\n/\n\n" + "".join("%s:%s\n" % (n, headers[n]) for n in names) + "\n" + ";".join(names) + \
        "\n" + hashlib.sha256(body).hexdigest()
    scope = "%s/us-east-1/states/aws4_request" % amz_date[:8]
    sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
    k = ("AWS4" + SECRET).encode()
    for part in (amz_date[:8], "us-east-1", "states", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": headers["content-type"], "X-Amz-Date": amz_date, "X-Amz-Target": target,
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                             % (KEY, scope, ";".join(names), sig)}


class TestSigV4(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.creds = os.path.join(cls.dir.name, "credentials")
        with open(cls.creds, "w") as f:
            f.write(CREDENTIALS)
        cls.server = Server(db=":memory:", args=("--auth", "sigv4", "--credentials", cls.creds))

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.check_clean_exit()
        finally:
            cls.dir.cleanup()

    def client(self, key=KEY, secret=SECRET, token=None, region="us-east-1", signed=True):
        kw = {"retries": {"max_attempts": 1}}
        if not signed:
            kw["signature_version"] = botocore.UNSIGNED
        session = boto3.session.Session()
        return session.client("stepfunctions", endpoint_url=self.server.url, region_name=region,
                              aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                              config=botocore.config.Config(**kw))

    def refused(self, client):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            client.list_state_machines()
        err = cm.exception.response["Error"]
        return err["Code"], err["Message"], cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]

    def test_right_keys_pass(self):
        sfn = self.client()
        arn = sfn.create_state_machine(name="signed", definition=json.dumps(PASS), roleArn=ROLE)["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"a": "ü " * 100}))["executionArn"]
        self.assertEqual(sfn.describe_execution(executionArn=ex)["executionArn"], ex)
        # A key with a session token passes with its token.
        self.assertIn("stateMachines", self.client(KEY2, SECRET2, TOKEN2).list_state_machines())

    def test_unsigned_is_missing_authentication_token(self):
        self.assertEqual(self.refused(self.client(signed=False)),
                         ("MissingAuthenticationTokenException", "Missing Authentication Token", 400))

    def test_unknown_key_is_unrecognized_client(self):
        self.assertEqual(self.refused(self.client(key="AKIDUNKNOWN")),
                         ("UnrecognizedClientException", "The security token included in the request is invalid.",
                          400))
        # A token the key does not have, or a missing one, is as bad.
        self.assertEqual(self.refused(self.client(token="t"))[0], "UnrecognizedClientException")
        self.assertEqual(self.refused(self.client(KEY2, SECRET2))[0], "UnrecognizedClientException")
        self.assertEqual(self.refused(self.client(KEY2, SECRET2, "wrong"))[0], "UnrecognizedClientException")

    def test_wrong_secret_is_invalid_signature(self):
        code, msg, status = self.refused(self.client(secret=SECRET + "x"))
        self.assertEqual((code, status), ("InvalidSignatureException", 400))
        self.assertTrue(msg.startswith("The request signature we calculated does not match the signature you "
                                       "provided."), msg)

    def test_wrong_region_scope_is_invalid_signature(self):
        code, msg, _ = self.refused(self.client(region="eu-west-1"))
        self.assertEqual(code, "InvalidSignatureException")
        self.assertIn("Credential should be scoped to a valid region", msg)

    def post(self, headers, body=b"{}"):
        req = urllib.request.Request(self.server.url + "/", data=body, method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
            **headers})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_tampered_body_stale_date_and_malformed_header(self):
        # Sign a request with botocore, then change the body: the signature
        # covers the body's hash.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        def signed(body, date=None):
            r = AWSRequest(method="POST", url=self.server.url + "/", data=body, headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
            if date is None:
                SigV4Auth(Credentials(KEY, SECRET), "states", "us-east-1").add_auth(r)
                return dict(r.headers.items())
            return sign_by_hand(self.server.url, body, date)

        h = signed(b'{"maxResults": 1}')
        self.assertEqual(self.post(h, b'{"maxResults": 1}')[0], 200)
        status, out = self.post(h, b'{"maxResults": 2}')
        self.assertEqual((status, out["__type"]), (400, "InvalidSignatureException"))
        # By hand with the current time: accepted (our own reading of the
        # spec agrees with the server's); with a 2020 date: expired.
        import time as _time

        now = _time.strftime("%Y%m%dT%H%M%SZ", _time.gmtime())
        self.assertEqual(self.post(signed(b"{}", now))[0], 200)
        status, out = self.post(signed(b"{}", "20200101T000000Z"))
        self.assertEqual(out["__type"], "InvalidSignatureException")
        self.assertIn("Signature expired: 20200101T000000Z is now earlier than", out["message"])
        status, out = self.post({"Authorization": "AWS4-HMAC-SHA256 Credential=%s/20200101/us-east-1/states/"
                                                  "aws4_request" % KEY})
        self.assertEqual(out["__type"], "IncompleteSignatureException")
        self.assertIn("'SignedHeaders' parameter", out["message"])

    def scheduler(self, secret=SECRET):
        session = boto3.session.Session()
        return session.client("scheduler", endpoint_url=self.server.url, region_name="us-east-1",
                              aws_access_key_id=KEY, aws_secret_access_key=secret,
                              config=botocore.config.Config(retries={"max_attempts": 1}))

    def test_scheduler_api_is_signed_for_scheduler(self):
        # boto3's scheduler client signs for "scheduler" and sends query
        # strings (ListSchedules' filters, GetSchedule's groupName): they
        # are part of what is signed.
        sfn = self.client()
        arn = sfn.create_state_machine(name="sched-target", definition=json.dumps(PASS),
                                       roleArn=ROLE)["stateMachineArn"]
        sch = self.scheduler()
        sch.create_schedule(Name="nightly.run-1", ScheduleExpression="cron(0 2 * * ? *)",
                            FlexibleTimeWindow={"Mode": "OFF"}, Target={"Arn": arn, "RoleArn": ROLE})
        got = sch.get_schedule(Name="nightly.run-1", GroupName="default")
        self.assertEqual(got["Target"]["Arn"], arn)
        listed = sch.list_schedules(NamePrefix="nightly", State="ENABLED", MaxResults=5, GroupName="default")
        self.assertEqual([s["Name"] for s in listed["Schedules"]], ["nightly.run-1"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.scheduler(secret=SECRET + "x").list_schedules(NamePrefix="nightly", MaxResults=5)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")
        self.assertTrue(cm.exception.response["Error"]["Message"].startswith(
            "The request signature we calculated does not match"), cm.exception.response)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.scheduler(secret=SECRET + "x").get_schedule(Name="nightly.run-1")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")
        sch.delete_schedule(Name="nightly.run-1")
        self.assertEqual(sch.list_schedules()["Schedules"], [])

    def test_query_string_is_signed(self):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        def get(url, service="scheduler", sign_url=None):
            r = AWSRequest(method="GET", url=sign_url or url)
            SigV4Auth(Credentials(KEY, SECRET), service, "us-east-1").add_auth(r)
            req = urllib.request.Request(url, method="GET", headers=dict(r.headers.items()))
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    return resp.status, json.loads(resp.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())

        base = self.server.url + "/schedules"
        # Order, and encoding of what needs it, do not matter: the
        # canonical query string sorts and encodes.
        status, out = get(base + "?MaxResults=3&NamePrefix=a-b_c.d")
        self.assertEqual(status, 200, out)
        status, out = get(base + "?NamePrefix=a-b_c.d&MaxResults=3",
                          sign_url=base + "?MaxResults=3&NamePrefix=a-b_c.d")
        self.assertEqual(status, 200, out)
        status, out = get(base + "?NamePrefix=%61bc", sign_url=base + "?NamePrefix=abc")
        self.assertEqual(status, 200, out)
        # A query string other than the one signed is refused.
        # REST APIs answer signature errors with 403.
        status, out = get(base + "?MaxResults=4", sign_url=base + "?MaxResults=3")
        self.assertEqual((status, out["__type"]), (403, "InvalidSignatureException"))
        status, out = get(base + "?MaxResults=3&State=ENABLED", sign_url=base + "?MaxResults=3")
        self.assertEqual((status, out["__type"]), (403, "InvalidSignatureException"))
        # Signed for the wrong service, either way round: AWS's message
        # names the service the endpoint expects.
        status, out = get(base, service="states")
        self.assertEqual((status, out["__type"]), (403, "InvalidSignatureException"))
        self.assertEqual(out["Message"], "Credential should be scoped to correct service: 'scheduler'. ")
        r = AWSRequest(method="POST", url=self.server.url + "/", data=b"{}", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
        SigV4Auth(Credentials(KEY, SECRET), "scheduler", "us-east-1").add_auth(r)
        status, out = self.post(dict(r.headers.items()))
        self.assertEqual((status, out["__type"]), (400, "InvalidSignatureException"))
        self.assertEqual(out["message"], "Credential should be scoped to correct service: 'states'. ")

    def test_aws_cli_signs_with_the_right_key(self):
        aws = shutil.which("aws")
        if aws is None:
            self.skipTest("no aws CLI on PATH")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")

        def run(key, secret):
            return subprocess.run([aws, "stepfunctions", "list-state-machines", "--endpoint-url", self.server.url],
                                  env=dict(env, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret),
                                  capture_output=True, text=True, timeout=60)

        ok = run(KEY, SECRET)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("stateMachines", json.loads(ok.stdout))
        bad = run(KEY, "wrong")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("InvalidSignatureException", bad.stderr)


class TestOptions(unittest.TestCase):
    def serve(self, *args):
        return subprocess.run([STEPD, "serve", "--listen", "127.0.0.1:0", "--db", ":memory:", *args],
                              capture_output=True, text=True, timeout=30)

    def test_bad_auth_options_are_usage_errors(self):
        r = self.serve("--auth", "sigv4")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--auth sigv4 and --credentials FILE go together", r.stderr)
        r = self.serve("--auth", "sigv4", "--credentials", "/nonexistent/credentials")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("cannot read the credentials file '/nonexistent/credentials'", r.stderr)
        r = self.serve("--auth", "basic")
        self.assertEqual(r.returncode, 2, r.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".ini") as f:
            f.write("[default]\nregion = us-east-1\n")
            f.flush()
            r = self.serve("--auth", "sigv4", "--credentials", f.name)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("names no key", r.stderr)


class TestLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(db=":memory:")
        cls.sfn = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def test_input_over_256_kib_is_refused(self):
        arn = self.sfn.create_state_machine(name="limits", definition=json.dumps(PASS),
                                            roleArn=ROLE)["stateMachineArn"]
        at_limit = json.dumps({"p": "x" * (262144 - 9)})
        self.assertEqual(len(at_limit), 262144)
        self.sfn.start_execution(stateMachineArn=arn, input=at_limit)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sfn.start_execution(stateMachineArn=arn, input=json.dumps({"p": "x" * 262144}))
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertEqual(err["Message"], "1 validation error detected: Value at 'input' failed to satisfy "
                                         "constraint: Member must have length less than or equal to 262144")

    def test_request_over_1_mb_is_413(self):
        body = json.dumps({"name": "big", "roleArn": ROLE, "definition": "x" * (1 << 20)}).encode()
        req = urllib.request.Request(self.server.url + "/", data=body, method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.CreateStateMachine"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(cm.exception.code, 413)
        out = json.loads(cm.exception.read())
        self.assertEqual(out["__type"], "RequestEntityTooLargeException")
        # The server goes on serving.
        self.assertIn("stateMachines", self.sfn.list_state_machines())


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
