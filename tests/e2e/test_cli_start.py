"""`stepd start` against a real `stepd serve`: each exit status (0, 1, 3
TIMED_OUT, 4 ABORTED, 2 usage, 5 API error, 6 no server, 7 --timeout),
--name idempotence, the default endpoint, following an execution across a
server restart, and the SigV4 signature it sends.

Needs no boto3: the server is driven by stepd's own companions; boto3 is
used, when importable, to stop an execution as another client would."""
import hashlib
import hmac
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import FAIL, PASS, ROLE, WAIT_LONG, ServeTestCase, boto3  # noqa: E402  (also sets dummy credentials)
from serve_harness import Server  # noqa: E402

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")
TIMES_OUT = {"TimeoutSeconds": 1, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
WAIT2 = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "Next": "P"}, "P": {"Type": "Pass", "End": True}}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stepd(*args, env=None, timeout=60):
    return subprocess.run([STEPD, *args], capture_output=True, text=True, timeout=timeout, env=env)


def last_json_line(text):
    return json.loads([l for l in text.splitlines() if l.strip()][-1])


class StartTestCase(ServeTestCase):
    """One server per class, driven by stepd's own commands (no boto3 needed)."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.url = cls.server.url

    def cli(self, *args, **kw):
        return stepd(*args, "--endpoint", self.url, **kw)

    def create(self, name, definition):
        r = self.cli("state-machines", "create", "--name", name, "--role-arn", ROLE, "--definition", json.dumps(definition))
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["stateMachineArn"]

    def describe(self, arn):
        r = self.cli("executions", "describe", "--execution-arn", arn)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def stop(self, arn):
        r = self.cli("executions", "stop", "--execution-arn", arn, "--error", "Night.Cancelled", "--cause", "by hand")
        self.assertEqual(r.returncode, 0, r.stderr)

    def wait_running(self, arn):
        deadline = time.time() + 20
        while True:
            r = self.cli("executions", "describe", "--execution-arn", arn)
            if r.returncode == 0 and json.loads(r.stdout)["status"] == "RUNNING":
                return
            self.assertLess(time.time(), deadline, r.stderr)
            time.sleep(0.05)


class TestExitStatus(StartTestCase):
    def test_start_prints_the_arn(self):
        self.create("s-pass", PASS)
        r = self.cli("start", "--state-machine", "s-pass", "--input", '{"a": 1}')
        self.assertEqual(r.returncode, 0, r.stderr)
        arn = r.stdout.strip()
        self.assertRegex(arn, r"^arn:aws:states:us-east-1:123456789012:execution:s-pass:[0-9a-f-]{36}$")
        deadline = time.time() + 20
        while self.describe(arn)["status"] == "RUNNING":
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        d = self.describe(arn)
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["input"]), {"a": 1})

    def test_succeeded_prints_output_and_exits_0(self):
        arn = self.create("s-ok", PASS)
        # By ARN this time, input from a file.
        path = os.path.join(self.server.tmp.name, "in.json")
        with open(path, "w") as f:
            f.write('{"k": "v"}')
        r = self.cli("start", "--state-machine", arn, "--input-file", path, "--wait")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"k": "v", "r": {"x": 1}})
        self.assertIn("following arn:aws:states:us-east-1:123456789012:execution:s-ok:", r.stderr)
        r = subprocess.run([STEPD, "start", "--endpoint", self.url, "--state-machine", arn, "--input-file", "-",
                            "--wait"], input='{"from": "stdin"}', capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"from": "stdin", "r": {"x": 1}})

    def test_failed_exits_1_with_error_and_cause(self):
        self.create("s-fail", FAIL)
        r = self.cli("start", "--state-machine", "s-fail", "--wait")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(last_json_line(r.stderr), {"error": "Custom.Bad", "cause": "it went wrong"})

    def test_timed_out_exits_3(self):
        self.create("s-timeout", TIMES_OUT)
        r = self.cli("start", "--state-machine", "s-timeout", "--wait")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(last_json_line(r.stderr)["error"], "States.Timeout")

    def follow_then_stop(self, machine, name, stop):
        """stepd start --wait in the background, stopped by `stop(arn)`."""
        self.create(machine, WAIT_LONG)
        argv = [STEPD, "start", "--endpoint", self.url, "--state-machine", machine, "--name", name, "--wait"]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        arn = "arn:aws:states:us-east-1:123456789012:execution:%s:%s" % (machine, name)
        self.wait_running(arn)
        stop(arn)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 4, err)
        self.assertEqual(out, "")
        return last_json_line(err)

    def test_aborted_exits_4_stopped_by_the_companion(self):
        err = self.follow_then_stop("s-abort", "n1", self.stop)
        self.assertEqual(err, {"error": "Night.Cancelled", "cause": "by hand"})

    @unittest.skipIf(boto3 is None, "boto3 is not importable")
    def test_aborted_exits_4_stopped_by_boto3(self):
        sfn = self.server.client()
        err = self.follow_then_stop("s-abort-boto", "b", lambda arn: sfn.stop_execution(executionArn=arn))
        self.assertEqual(err, {"error": None, "cause": None})

    def test_wait_timeout_exits_7_and_leaves_the_execution_running(self):
        self.create("s-long", WAIT_LONG)
        t0 = time.time()
        r = self.cli("start", "--state-machine", "s-long", "--name", "t", "--wait", "--timeout", "0.5")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertLess(time.time() - t0, 30)
        arn = "arn:aws:states:us-east-1:123456789012:execution:s-long:t"
        self.assertIn("execution still running after 0.5 s (--timeout): " + arn, r.stderr)
        self.assertEqual(self.describe(arn)["status"], "RUNNING")
        self.stop(arn)

    def test_api_error_exits_5_with_name_and_message(self):
        arn = "arn:aws:states:us-east-1:123456789012:stateMachine:absent"
        r = self.cli("start", "--state-machine", arn)
        self.assertEqual(r.returncode, 5)
        self.assertEqual(r.stdout, "")
        self.assertIn("stepd: StateMachineDoesNotExist: State Machine Does Not Exist: '%s'" % arn, r.stderr)
        # A name no machine has is the same error, found by ListStateMachines.
        r = self.cli("start", "--state-machine", "absent")
        self.assertEqual(r.returncode, 5)
        self.assertIn("StateMachineDoesNotExist: no state machine named 'absent' at " + self.url, r.stderr)
        # An execution name AWS refuses.
        self.create("s-badname", PASS)
        r = self.cli("start", "--state-machine", "s-badname", "--name", "a b")
        self.assertEqual(r.returncode, 5)
        self.assertIn("stepd: InvalidName: ", r.stderr)

    def test_unreachable_server_exits_6(self):
        url = "http://127.0.0.1:%d" % free_port()
        r = stepd("start", "--endpoint", url, "--state-machine", "arn:aws:states:us-east-1:123456789012:stateMachine:x")
        self.assertEqual(r.returncode, 6)
        self.assertIn("stepd: cannot reach %s: " % url, r.stderr)
        r = stepd("executions", "list", "--endpoint", url, "--state-machine", "x")
        self.assertEqual(r.returncode, 6)

    def test_usage_exits_2(self):
        for args in (
            [],
            ["--input", "{}"],
            ["--state-machine", "x", "--timeout", "5"],
            ["--state-machine", "x", "--wait", "--timeout", "soon"],
            ["--state-machine", "x", "--input", "{}", "--input-file", "f"],
            ["--state-machine", "x", "--bogus", "1"],
            ["--state-machine"],
        ):
            r = stepd("start", *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("usage: stepd start", r.stderr)
        r = stepd("start", "--state-machine", "x", "--input", "{not json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("stepd: the input is not JSON: ", r.stderr)
        r = stepd("start", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("Exit status: 0 started", r.stdout)


class TestExpress(StartTestCase):
    """EXPRESS executions cannot be followed; --wait runs them with
    StartSyncExecution instead."""

    def create_express(self, name, definition):
        r = self.cli("state-machines", "create", "--name", name, "--role-arn", ROLE, "--type", "EXPRESS",
                     "--definition", json.dumps(definition))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_exit_statuses(self):
        self.create_express("x-ok", PASS)
        r = self.cli("start", "--state-machine", "x-ok", "--input", '{"e": 1}', "--wait")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"e": 1, "r": {"x": 1}})
        self.assertIn("ran arn:aws:states:us-east-1:123456789012:express:x-ok:", r.stderr)
        self.create_express("x-fail", FAIL)
        r = self.cli("start", "--state-machine", "x-fail", "--wait")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(last_json_line(r.stderr), {"error": "Custom.Bad", "cause": "it went wrong"})
        self.create_express("x-timeout", TIMES_OUT)
        r = self.cli("start", "--state-machine", "x-timeout", "--wait")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(last_json_line(r.stderr)["error"], "States.Timeout")

    def test_wait_timeout(self):
        self.create_express("x-long", WAIT_LONG)
        r = self.cli("start", "--state-machine", "x-long", "--wait", "--timeout", "0.5")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertIn("EXPRESS execution still running after 0.5 s (--timeout)", r.stderr)

    def test_without_wait_prints_the_express_arn(self):
        self.create_express("x-nowait", PASS)
        r = self.cli("start", "--state-machine", "x-nowait")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), r"^arn:aws:states:us-east-1:123456789012:express:x-nowait:")


class TestIdempotence(StartTestCase):
    def test_name_twice_while_running_starts_nothing(self):
        self.create("i-run", WAIT_LONG)
        args = ("start", "--state-machine", "i-run", "--name", "nightly-2026-11-25")
        first = self.cli(*args)
        self.assertEqual(first.returncode, 0, first.stderr)
        second = self.cli(*args)
        self.assertEqual(second.returncode, 0, second.stderr)
        arn = "arn:aws:states:us-east-1:123456789012:execution:i-run:nightly-2026-11-25"
        self.assertEqual(first.stdout.strip(), arn)
        self.assertEqual(second.stdout.strip(), arn)
        self.assertNotIn("exists already", first.stderr)
        self.assertIn("an execution named 'nightly-2026-11-25' exists already; nothing started: " + arn, second.stderr)
        # A third one with another input: still the same night, still nothing started.
        third = self.cli(*args, "--input", '{"other": true}')
        self.assertEqual(third.returncode, 0, third.stderr)
        self.assertEqual(third.stdout.strip(), arn)
        r = self.cli("executions", "list", "--state-machine", "i-run")
        self.assertEqual([e["executionArn"] for e in json.loads(r.stdout)["executions"]], [arn])
        self.stop(arn)

    def test_name_twice_after_the_end_follows_the_old_one(self):
        self.create("i-done", PASS)
        args = ("start", "--state-machine", "i-done", "--name", "night", "--input", '{"n": 1}', "--wait")
        first = self.cli(*args)
        self.assertEqual(first.returncode, 0, first.stderr)
        second = self.cli(*args)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(json.loads(second.stdout), json.loads(first.stdout))
        self.assertIn("exists already; nothing started", second.stderr)
        r = self.cli("executions", "list", "--state-machine", "i-done")
        self.assertEqual(len(json.loads(r.stdout)["executions"]), 1)

    def test_name_of_a_failed_night_exits_with_its_status(self):
        self.create("i-fail", FAIL)
        args = ("start", "--state-machine", "i-fail", "--name", "night", "--wait")
        self.assertEqual(self.cli(*args).returncode, 1)
        again = self.cli(*args)
        self.assertEqual(again.returncode, 1)
        self.assertIn("exists already; nothing started", again.stderr)
        self.assertEqual(last_json_line(again.stderr)["error"], "Custom.Bad")


class TestEndpoint(StartTestCase):
    def test_endpoint_from_the_environment(self):
        self.create("e-env", PASS)
        env = dict(os.environ)
        env.pop("STEPD_ENDPOINT", None)
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:%d" % free_port()  # nobody there
        env["AWS_ENDPOINT_URL_SFN"] = self.url
        r = stepd("start", "--state-machine", "e-env", "--wait", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        env["STEPD_ENDPOINT"] = env.pop("AWS_ENDPOINT_URL_SFN")
        r = stepd("start", "--state-machine", "e-env", "--wait", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        # --endpoint wins over all of them.
        r = stepd("start", "--state-machine", "e-env", "--endpoint", env["AWS_ENDPOINT_URL"], env=env)
        self.assertEqual(r.returncode, 6)


class TestRestart(unittest.TestCase):
    def test_wait_survives_a_server_restart(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        db = os.path.join(tmp.name, "stepd.db")
        port = free_port()
        url = "http://127.0.0.1:%d" % port

        def serve():
            log = open(os.path.join(tmp.name, "serve.log"), "a")
            p = subprocess.Popen([STEPD, "serve", "--listen", "127.0.0.1:%d" % port, "--db", db], stderr=log)
            log.close()
            deadline = time.time() + 20
            while stepd("state-machines", "list", "--endpoint", url).returncode != 0:
                self.assertIsNone(p.poll())
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            return p

        srv = serve()
        try:
            r = stepd("state-machines", "create", "--endpoint", url, "--name", "r", "--role-arn", ROLE,
                      "--definition", json.dumps(WAIT2))
            self.assertEqual(r.returncode, 0, r.stderr)
            p = subprocess.Popen([STEPD, "start", "--endpoint", url, "--state-machine", "r", "--name", "n", "--wait"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            arn = "arn:aws:states:us-east-1:123456789012:execution:r:n"
            deadline = time.time() + 20
            while stepd("executions", "describe", arn, "--endpoint", url).returncode != 0:
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            srv.kill()  # SIGKILL mid-Wait
            srv.wait()
            time.sleep(0.5)  # the client now finds nobody and keeps asking
            srv = serve()  # recovery resumes the Wait
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(json.loads(out), {})
            self.assertIn("retrying for up to 60 s", err)
        finally:
            srv.kill()
            srv.wait()


class Capture(http.server.BaseHTTPRequestHandler):
    """Records one request and answers as StartExecution would."""

    seen = []
    script = []  # (action, HTTP status, error name) or (action, "hang", seconds): answers to give first
    machine_type = "STANDARD"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Capture.seen.append((self.command, self.path, dict(self.headers.items()), body))
        target = self.headers.get("X-Amz-Target", "")
        if Capture.script and target.endswith("." + Capture.script[0][0]):
            _, status, name = Capture.script.pop(0)
            if status == "hang":
                time.sleep(name)
                return
            return self.answer(status, {"__type": name, "message": "scripted"})
        if target.endswith("ListStateMachines"):  # a broken server: the same page forever
            reply = {"stateMachines": [{"name": "m"}], "nextToken": "t1"}
        elif target.endswith("DescribeStateMachine"):
            reply = {"type": Capture.machine_type}
        elif target.endswith("StartSyncExecution"):
            reply = {"executionArn": "arn:aws:states:eu-west-1:111122223333:express:m:x:y", "status": "SUCCEEDED",
                     "output": '{"ok": true}'}
        else:
            reply = {"executionArn": "arn:aws:states:eu-west-1:111122223333:execution:m:x", "startDate": 1.0}
        self.answer(200, reply)

    def answer(self, status, reply):
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def sigv4_check(method, path, headers, body, secret):
    """Recomputes the SigV4 signature of a captured request (AWS's
    "Create a signed AWS API request" steps) from the headers it names."""
    lower = {k.lower(): v for k, v in headers.items()}
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", lower["authorization"])
    assert m, lower["authorization"]
    key_id, date, region, service, signed, signature = m.groups()
    names = signed.split(";")
    canonical = "\n".join([
        method, path, "",
        "".join("%s:%s\n" % (n, " ".join(lower[n].split())) for n in names),
        signed, hashlib.sha256(body).hexdigest(),
    ])
    amz_date = lower["x-amz-date"]
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return key_id, region, service, names, signature == expected


class TestSigning(unittest.TestCase):
    def setUp(self):
        Capture.seen = []
        Capture.script = []
        Capture.machine_type = "STANDARD"
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def tearDown(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def run_start(self, *args, **env_over):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # Whatever ~/.aws holds on this machine stays out of it.
        env.update(AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials", AWS_CONFIG_FILE="/nonexistent/config")
        env.update(env_over)
        return stepd("start", "--endpoint", self.url, "--state-machine",
                     "arn:aws:states:eu-west-1:111122223333:stateMachine:m", "--input", '{"a":1}', *args, env=env)

    def test_signed_with_sigv4_when_credentials_are_set(self):
        r = self.run_start(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="s3cr3t",
                           AWS_SESSION_TOKEN="tok", AWS_REGION="eu-west-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "arn:aws:states:eu-west-1:111122223333:execution:m:x")
        method, path, headers, body = Capture.seen[-1]
        self.assertEqual(headers["X-Amz-Target"], "AWSStepFunctions.StartExecution")
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.0")
        self.assertEqual(json.loads(body), {"stateMachineArn": "arn:aws:states:eu-west-1:111122223333:stateMachine:m",
                                            "input": '{"a":1}'})
        key_id, region, service, names, ok = sigv4_check(method, path, headers, body, "s3cr3t")
        self.assertEqual((key_id, region, service), ("AKIDEXAMPLE", "eu-west-1", "states"))
        for h in ("host", "x-amz-date", "x-amz-target", "x-amz-security-token", "content-type"):
            self.assertIn(h, names)
        self.assertTrue(ok, "signature does not verify")
        self.assertEqual(headers["X-Amz-Security-Token"], "tok")

    def test_credentials_and_region_of_a_profile(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        creds, config = os.path.join(tmp.name, "credentials"), os.path.join(tmp.name, "config")
        with open(creds, "w") as f:
            f.write("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n"
                    "[nightly]\naws_access_key_id = AKIDNIGHTLY\naws_secret_access_key = n1ght\n"
                    "aws_session_token = ntok\n")
        with open(config, "w") as f:
            f.write("[profile nightly]\nregion = eu-central-1\n")
        r = self.run_start(AWS_PROFILE="nightly", AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE=config)
        self.assertEqual(r.returncode, 0, r.stderr)
        method, path, headers, body = Capture.seen[-1]
        key_id, region, service, names, ok = sigv4_check(method, path, headers, body, "n1ght")
        self.assertEqual((key_id, region, service), ("AKIDNIGHTLY", "eu-central-1", "states"))
        self.assertTrue(ok)
        self.assertEqual(headers["X-Amz-Security-Token"], "ntok")
        # The environment's keys come before the profile's, as in the SDKs.
        r = self.run_start(AWS_PROFILE="nightly", AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE=config,
                           AWS_ACCESS_KEY_ID="AKIDENV", AWS_SECRET_ACCESS_KEY="e")
        key_id, region, service, names, ok = sigv4_check(*Capture.seen[-1], "e")
        self.assertEqual((key_id, region), ("AKIDENV", "eu-central-1"))
        self.assertTrue(ok)
        # A malformed file is a usage error naming the file and line.
        with open(creds, "w") as f:
            f.write("[nightly\n")
        r = self.run_start(AWS_PROFILE="nightly", AWS_SHARED_CREDENTIALS_FILE=creds)
        self.assertEqual(r.returncode, 2)
        self.assertIn("stepd: %s:1: a section header lacks its ']'" % creds, r.stderr)

    def test_unsigned_without_credentials(self):
        r = self.run_start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("Authorization", Capture.seen[-1][2])
        r = self.run_start(AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b")
        self.assertIn("Authorization", Capture.seen[-1][2])

    def test_region_from_an_aws_host_name(self):
        # No region configured: the scope takes it from the endpoint's host.
        # The capture server acts as the HTTP proxy, so that host name needs
        # no DNS and no network.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and "proxy" not in k.lower()}
        env.update(AWS_ACCESS_KEY_ID="AKID", AWS_SECRET_ACCESS_KEY="k", http_proxy=self.url,
                   AWS_CONFIG_FILE="/nonexistent/config")
        r = stepd("start", "--endpoint", "http://states.ap-south-1.amazonaws.com", "--state-machine",
                  "arn:aws:states:ap-south-1:111122223333:stateMachine:m", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        method, path, headers, body = Capture.seen[-1]
        self.assertEqual(headers["Host"], "states.ap-south-1.amazonaws.com")
        key_id, region, service, names, ok = sigv4_check(method, "/", headers, body, "k")
        self.assertEqual((region, service), ("ap-south-1", "states"))
        self.assertTrue(ok)

    def targets(self):
        return [h["X-Amz-Target"].split(".")[1] for _, _, h, _ in Capture.seen]

    def test_throttling_is_retried(self):
        Capture.script = [("StartExecution", 400, "ThrottlingException")] * 2
        r = self.run_start()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.targets(), ["StartExecution"] * 3)
        Capture.seen = []
        Capture.script = [("StartExecution", 400, "ThrottlingException")] * 3
        r = self.run_start()
        self.assertEqual(r.returncode, 5)
        self.assertIn("stepd: ThrottlingException: scripted", r.stderr)
        self.assertEqual(len(Capture.seen), 3)

    def test_a_5xx_is_retried_only_where_it_cannot_start_twice(self):
        Capture.script = [("StartExecution", 500, "InternalFailure")]
        r = self.run_start()
        self.assertEqual(r.returncode, 5)
        self.assertIn("stepd: InternalFailure: scripted", r.stderr)
        self.assertEqual(self.targets(), ["StartExecution"])
        # With a name: the night is looked up first, then started; a 5xx
        # there is asked again.
        Capture.seen = []
        Capture.script = [("DescribeExecution", 400, "ExecutionDoesNotExist"), ("StartExecution", 500, "InternalFailure")]
        r = self.run_start("--name", "n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.targets(), ["DescribeExecution", "StartExecution", "StartExecution"])

    def test_a_hanging_server_does_not_outlast_the_timeout(self):
        Capture.script = [("DescribeExecution", "hang", 20)]
        t0 = time.time()
        r = self.run_start("--wait", "--timeout", "1")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertLess(time.time() - t0, 10)
        self.assertIn("Timeout: ", r.stderr)

    def test_a_server_repeating_its_token_is_an_error_not_a_loop(self):
        r = stepd("state-machines", "list", "--endpoint", self.url, timeout=30)
        self.assertEqual(r.returncode, 5)
        self.assertIn("stepd: InvalidResponse: ListStateMachines returned the nextToken it was given", r.stderr)
        self.assertEqual(len(Capture.seen), 2)

    def test_start_sync_execution_goes_to_the_sync_host_on_aws(self):
        Capture.machine_type = "EXPRESS"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and "proxy" not in k.lower()}
        env.update(AWS_ACCESS_KEY_ID="AKID", AWS_SECRET_ACCESS_KEY="k", http_proxy=self.url,
                   AWS_CONFIG_FILE="/nonexistent/config")
        r = stepd("start", "--endpoint", "http://states.eu-west-1.amazonaws.com", "--state-machine",
                  "arn:aws:states:eu-west-1:111122223333:stateMachine:m", "--wait", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"ok": True})
        hosts = [(h["X-Amz-Target"].split(".")[1], h["Host"]) for _, _, h, _ in Capture.seen]
        self.assertEqual(hosts, [("DescribeStateMachine", "states.eu-west-1.amazonaws.com"),
                                 ("StartSyncExecution", "sync-states.eu-west-1.amazonaws.com")])
        self.assertTrue(sigv4_check(Capture.seen[-1][0], "/", *Capture.seen[-1][2:], "k")[4])

    def test_region_option_sets_the_scope(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="AKID", AWS_SECRET_ACCESS_KEY="k", AWS_DEFAULT_REGION="eu-west-1",
                   AWS_CONFIG_FILE="/nonexistent/config")
        r = stepd("start", "--endpoint", self.url, "--region", "ap-south-1", "--state-machine",
                  "arn:aws:states:ap-south-1:111122223333:stateMachine:m", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        method, path, headers, body = Capture.seen[-1]
        key_id, region, service, names, ok = sigv4_check(method, path, headers, body, "k")
        self.assertEqual(region, "ap-south-1")
        self.assertTrue(ok)
        r = stepd("start", "--endpoint", self.url, "--no-sign-request", "--state-machine",
                  "arn:aws:states:ap-south-1:111122223333:stateMachine:m", env=env)
        self.assertNotIn("Authorization", Capture.seen[-1][2])

if __name__ == "__main__":
    unittest.main()
