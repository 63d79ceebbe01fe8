"""The HTTP Task (arn:aws:states:::http:invoke) end to end against a small
HTTP server of this test, with connections from the --config file:
request building (query, headers, JSON and URL-encoded bodies, API key and
basic auth, the connection's own parameters), the result shape, errors
(States.Http.StatusCode.<n> with the answer as cause, States.Http.Socket,
reserved headers, unknown connections). Standard library only."""
import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aws_servers import CLEAN_ENV  # noqa: E402
from stepd_test import StepdTestCase  # noqa: E402

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")
SEEN = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        SEEN.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body})
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/missing":
            out, status, ctype = b'{"message": "no such thing"}', 404, "application/json"
        elif url.path == "/text":
            out, status, ctype = b"plain words", 200, "text/plain"
        else:
            out, status, ctype = json.dumps({"ok": True, "path": url.path}).encode(), 200, "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer


CONNECTIONS = {
    "key-api": {"authorization": {"type": "API_KEY", "name": "x-api-key", "value": "s3cret"},
                "headers": {"x-team": "data"}, "queryParameters": {"src": "stepd"}},
    "arn:aws:events:us-east-1:123456789012:connection/basic-api/0f1e": {
        "authorization": {"type": "BASIC", "username": "u", "password": "p"},
        "bodyParameters": {"fromConnection": 1}},
    "oauth-api": {"authorization": {"type": "OAUTH_CLIENT_CREDENTIALS"}},
}


class HttpInvoke(StepdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        cls.url = "http://127.0.0.1:%d" % cls.server.server_address[1]
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def call(self, params, **extra):
        st = {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "Parameters": params, "End": True}
        st.update(extra)
        path = self.write("m.asl.json", {"StartAt": "H", "States": {"H": st}})
        cfg = self.write("stepd.json", {"region": "eu-west-1", "connections": CONNECTIONS})
        SEEN.clear()
        return subprocess.run([STEPD, "run", path, "--config", cfg], capture_output=True, text=True,
                              env=CLEAN_ENV, timeout=60)

    def error(self, p):
        return json.loads([l for l in p.stderr.splitlines() if l.startswith("{")][-1])

    def test_get_with_query_headers_and_api_key(self):
        p = self.call({"ApiEndpoint": self.url + "/items?fixed=1", "Method": "GET",
                       "Authentication": {"ConnectionArn": "key-api"},
                       "Headers": {"x-trace": "t1"}, "QueryParameters": {"q": "a b", "tag": ["x", "y"]}})
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(list(out), ["Headers", "ResponseBody", "StatusCode", "StatusText"])
        self.assertEqual(out["ResponseBody"], {"ok": True, "path": "/items"})
        self.assertEqual((out["StatusCode"], out["StatusText"]), (200, "OK"))
        self.assertEqual(out["Headers"]["Content-Type"], ["application/json"])
        req = SEEN[0]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(req["path"]).query)
        self.assertEqual(q, {"fixed": ["1"], "q": ["a b"], "tag": ["x", "y"], "src": ["stepd"]})
        self.assertEqual(req["headers"]["x-api-key"], "s3cret")
        self.assertEqual(req["headers"]["x-team"], "data")
        self.assertEqual(req["headers"]["x-trace"], "t1")
        self.assertEqual(req["headers"]["Range"], "bytes=0-262144")
        self.assertEqual(req["headers"]["User-Agent"], "Amazon|StepFunctions|HttpInvoke|eu-west-1")

    def test_post_json_with_basic_auth_and_connection_body(self):
        p = self.call({"ApiEndpoint": self.url + "/orders", "Method": "POST",
                       "Authentication": {"ConnectionArn":
                                          "arn:aws:events:us-east-1:123456789012:connection/basic-api/0f1e"},
                       "RequestBody": {"id.$": "$$.Execution.Name", "n": 2}},
                      ResultSelector={"code.$": "$.StatusCode"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"code": 200})
        req = SEEN[0]
        body = json.loads(req["body"])
        self.assertEqual((body["n"], body["fromConnection"]), (2, 1))
        self.assertTrue(req["headers"]["Content-Type"].startswith("application/json"))
        self.assertEqual(req["headers"]["Authorization"], "Basic " + base64.b64encode(b"u:p").decode())

    def test_url_encoded_body_array_formats(self):
        for fmt, expect in (("INDICES", "a%5B0%5D=1&a%5B1%5D=2&o%5Bk%5D=v"), ("REPEAT", "a=1&a=2&o%5Bk%5D=v"),
                            ("COMMAS", "a=1%2C2&o%5Bk%5D=v"), ("BRACKETS", "a%5B%5D=1&a%5B%5D=2&o%5Bk%5D=v")):
            p = self.call({"ApiEndpoint": self.url + "/form", "Method": "PUT",
                           "Authentication": {"ConnectionArn": "key-api"},
                           "RequestBody": {"a": [1, 2], "o": {"k": "v"}},
                           "Transform": {"RequestBodyEncoding": "URL_ENCODED",
                                         "RequestEncodingOptions": {"ArrayFormat": fmt}}})
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(SEEN[0]["body"], expect, fmt)
            self.assertEqual(SEEN[0]["headers"]["Content-Type"], "application/x-www-form-urlencoded")

    def test_text_body_kept_as_string(self):
        p = self.call({"ApiEndpoint": self.url + "/text", "Method": "GET",
                       "Authentication": {"ConnectionArn": "key-api"}}, OutputPath="$.ResponseBody")
        self.assertEqual(json.loads(p.stdout), "plain words")

    def test_status_error_carries_the_answer(self):
        p = self.call({"ApiEndpoint": self.url + "/missing", "Method": "DELETE",
                       "Authentication": {"ConnectionArn": "key-api"}})
        e = self.error(p)
        self.assertEqual(e["error"], "States.Http.StatusCode.404")
        cause = json.loads(e["cause"])
        self.assertEqual((cause["StatusCode"], cause["StatusText"]), (404, "Not Found"))
        self.assertEqual(cause["ResponseBody"], {"message": "no such thing"})

    def test_socket_error(self):
        p = self.call({"ApiEndpoint": "http://127.0.0.1:1/x", "Method": "GET",
                       "Authentication": {"ConnectionArn": "key-api"}})
        self.assertEqual(self.error(p)["error"], "States.Http.Socket")

    def test_refusals(self):
        cases = [({"Headers": {"Authorization": "x"}}, "The header 'Authorization' cannot be set"),
                 ({"Authentication": {"ConnectionArn": "nope"}}, "The connection 'nope' is not in"),
                 ({"Authentication": {"ConnectionArn": "oauth-api"}}, "OAuth is not supported yet"),
                 ({"Method": "FETCH"}, "Method: GET, POST")]
        for extra, message in cases:
            params = {"ApiEndpoint": self.url + "/x", "Method": "GET", "Authentication": {"ConnectionArn": "key-api"}}
            params.update(extra)
            e = self.error(self.call(params))
            self.assertEqual(e["error"], "States.Runtime")
            self.assertIn(message, e["cause"])


if __name__ == "__main__":
    unittest.main()
