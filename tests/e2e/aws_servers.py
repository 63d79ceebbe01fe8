"""Servers the connector tests talk to over real HTTP on loopback: moto's
server (skipped with an install hint where it is missing) and our Lambda
fake (tests/fakes/lambda_fake.py, standard library only)."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "..", "fakes", "lambda_fake.py")
MOTO_HINT = "moto_server is not installed: pip install 'moto[server]' (Debian has no package)"

# stepd must find no real AWS settings of the machine's user.
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.endswith("_ENDPOINT")}
CLEAN_ENV.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
                 AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
                 AWS_EC2_METADATA_DISABLED="true")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class LambdaFake:
    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, FAKE, *args], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening (\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError("the Lambda fake did not start: %r" % line)
        self.url = "http://127.0.0.1:%s" % m.group(1)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def moto_available():
    return shutil.which("moto_server") is not None


class Moto:
    """moto_server on a free loopback port; extra env (INITIAL_NO_AUTH_ACTION_COUNT) as given.
    `command` runs another server taking moto_server's -H/-p (a moto with additions, tests/fakes/)."""

    def __init__(self, command=None, **env):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        e = dict(os.environ, **{k: str(v) for k, v in env.items()})
        cmd = command or [shutil.which("moto_server")]
        self.proc = subprocess.Popen([*cmd, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=self.log, env=e)
        self.url = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError("moto_server did not start")
                time.sleep(0.1)
        # Lambda without docker: invocations answer from a scripted queue.
        self.post("/moto-api/config", {"lambda": {"use_docker": False}})

    def post(self, path, doc):
        req = urllib.request.Request(self.url + path, data=json.dumps(doc).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        return urllib.request.urlopen(req, timeout=10).read()

    def lambda_results(self, *results, region="us-east-1"):
        """The next invocations' payloads, in order (moto's lambda-simple queue)."""
        self.post("/moto-api/static/lambda-simple/response", {"results": list(results), "region": region})

    def client(self, service, **kw):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=kw.get("key", "testing"),
                            aws_secret_access_key=kw.get("secret", "testing"))

    def create_function(self, name, **kw):
        import io
        import zipfile
        iam = self.client("iam", **kw)
        try:
            role = iam.create_role(RoleName="stepd-lambda", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            role = iam.get_role(RoleName="stepd-lambda")["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("h.py", "def handler(event, context):\n    return event\n")
        return self.client("lambda", **kw).create_function(
            FunctionName=name, Runtime="python3.11", Role=role, Handler="h.handler",
            Code={"ZipFile": buf.getvalue()})["FunctionArn"]

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
