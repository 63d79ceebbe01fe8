"""What the HTTP client under every AWS and HTTP Task refuses
(integrations/http_client.c), end to end through a Lambda Task against a
local server: a response body past SD_HTTP_BODY_MAX (16 MiB) or headers past
256 KiB stop the transfer with a clear error instead of growing the process,
and a header value from state data holding a line break (Lambda's
ClientContext) is refused before anything is sent, so it cannot smuggle a
header in. Standard library only: runs under Debian's python3 too."""
import http.server
import json
import os
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_servers import CLEAN_ENV  # noqa: E402
from stepd_test import StepdTestCase  # noqa: E402

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")
BIG = 17 << 20


class Handler(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Handler.seen.append(dict(self.headers))
        fn = self.path.split("/")[3]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if fn == "big":
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(BIG // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if fn == "headers":
            for i in range(300):
                self.send_header("X-Filler-%d" % i, "x" * 1000)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def invoke(fn, **params):
    p = {"FunctionName": fn, "Payload": {}}
    p.update(params)
    return {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                   "Parameters": p, "End": True}}}


class HttpLimits(StepdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        cls.url = "http://127.0.0.1:%d" % cls.httpd.server_address[1]
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()

    def run_machine(self, definition):
        path = self.write("m.asl.json", definition)
        env = dict(CLEAN_ENV, AWS_ENDPOINT_URL_LAMBDA=self.url)
        return subprocess.run([STEPD, "run", path], capture_output=True, text=True, env=env, timeout=60)

    def error(self, p):
        self.assertNotEqual(p.returncode, 0, p.stdout)
        return json.loads([line for line in p.stderr.splitlines() if line.startswith("{")][-1])

    def test_body_past_the_cap_fails_the_call(self):
        e = self.error(self.run_machine(invoke("big")))
        self.assertEqual(e["error"], "Lambda.SdkClientException")
        self.assertIn("the response body exceeds 16 MiB", e["cause"])

    def test_headers_past_the_cap_fail_the_call(self):
        e = self.error(self.run_machine(invoke("headers")))
        self.assertEqual(e["error"], "Lambda.SdkClientException")
        self.assertIn("the response headers exceed 256 KiB", e["cause"])

    def test_line_break_in_a_header_is_refused(self):
        Handler.seen.clear()
        e = self.error(self.run_machine(invoke("ok", ClientContext="abc\r\nX-Smuggled: 1")))
        self.assertIn("line break", e["cause"])
        self.assertEqual(Handler.seen, [], "nothing may reach the server")
        p = self.run_machine(invoke("ok", ClientContext="abc"))
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
