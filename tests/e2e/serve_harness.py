"""The one harness the end-to-end tests of `stepd serve` share: a server
process on a free port with a database of its own (or a given one, for a
restart), boto3 clients pointed at it, and a test case that starts one
server per class and checks that it exits cleanly.

Importing it gives boto3 dummy credentials and a region (clients sign every
request) and clears the variables that would point them elsewhere. `boto3`
is None when it is not importable; callers skip then."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:  # pragma: no cover - depends on the machine
    boto3 = None

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")
ROLE = "arn:aws:iam::123456789012:role/stepd-test"

os.environ.update(
    AWS_ACCESS_KEY_ID="x",
    AWS_SECRET_ACCESS_KEY="x",
    AWS_SESSION_TOKEN="x",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_EC2_METADATA_DISABLED="true",
)
for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SFN", "WAIT_TIME_SCALE"):
    os.environ.pop(var, None)


class Server:
    """A `stepd serve` on a free port of `host` with its own database, or on
    `db` (a restart on an existing file, or ":memory:"); `args` are more
    command-line options, `env` more environment variables."""

    def __init__(self, args=(), env=None, db=None, host="127.0.0.1", start_timeout=30):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = db or os.path.join(self.tmp.name, "stepd.db")
        self.log_path = os.path.join(self.tmp.name, "serve.log")
        self.log = open(self.log_path, "w")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [STEPD, "serve", "--listen", "%s:0" % host, "--db", self.db] + list(args),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env=full_env,
        )
        self.port = None
        deadline = time.time() + start_timeout
        while self.port is None:
            m = re.search(r"listening on %s:(\d+)" % re.escape(host), self.read_log())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                raise RuntimeError("stepd serve did not start:\n" + self.read_log())
            else:
                time.sleep(0.02)
        self.url = "http://%s:%d" % (host, self.port)

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def client(self, **cfg):
        # StartSyncExecution's endpoint has the host prefix "sync-", which a
        # local address cannot take: clients turn it off. A session per
        # client: boto3's default session is not thread-safe.
        config = botocore.config.Config(
            retries={"max_attempts": 1, "mode": "standard"}, inject_host_prefix=False, read_timeout=60, **cfg
        )
        session = boto3.session.Session()
        return session.client("stepfunctions", endpoint_url=self.url, region_name="us-east-1", config=config)

    def stop(self):
        """SIGTERM, then wait: returns the exit status (kills it on a hang)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("stepd serve did not stop on SIGTERM:\n" + self.read_log())
        self.log.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def cleanup(self):
        """Kills the server if it still runs and removes its files."""
        self.kill()
        self.tmp.cleanup()

    def check_clean_exit(self):
        """Stops the server, fails unless it exited 0 without a sanitizer
        report, and removes its files either way."""
        try:
            code = self.stop()
            log = self.read_log()
            if code != 0 or "Sanitizer" in log or "runtime error" in log:
                raise AssertionError("stepd serve exited with %s:\n%s" % (code, log))
        finally:
            self.cleanup()


def wait_done(test, sfn, arn, timeout=30):
    """DescribeExecution once `arn` is no longer RUNNING; fails `test` after
    `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        if time.time() > deadline:
            test.fail("execution %s still RUNNING" % arn)
        time.sleep(0.05)


def history_pages(sfn, arn, size=1000, reverse=False):
    """An execution's history by pages of `size`, following nextToken: the
    list of pages."""
    out, token = [], None
    while True:
        kw = {"executionArn": arn, "maxResults": size, "reverseOrder": reverse}
        if token:
            kw["nextToken"] = token
        page = sfn.get_execution_history(**kw)
        out.append(page["events"])
        token = page.get("nextToken")
        if not token:
            return out


def history(sfn, arn):
    """An execution's whole history, every page followed."""
    return [e for page in history_pages(sfn, arn) for e in page]


class ServeCase(unittest.TestCase):
    """One server per test class (with the class's ARGS and ENV), checked
    for a clean exit at the end."""

    ARGS = ()
    ENV = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.ARGS, cls.ENV)
        cls.sfn = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.check_clean_exit()

    def create(self, name, definition, **kw):
        return self.sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, **kw)[
            "stateMachineArn"
        ]

    def wait_done(self, arn, timeout=30):
        return wait_done(self, self.sfn, arn, timeout)
