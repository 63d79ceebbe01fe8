"""moto's Step Functions backend as a peer (stdlib only).

moto 5 runs state machines with the interpreter it took from LocalStack when
its user config says {"stepfunctions": {"execute_state_machine": true}}; in
server mode that config is set by POST /moto-api/config. (The environment
variable SF_EXECUTION_HISTORY_TYPE only picks the canned history of the
default, non-executing mode.)

The API is spoken directly, AWS JSON 1.0 over urllib: moto checks no
signature, and only reads the region and service from the Authorization
header's credential scope, so boto3 is not needed.

moto runs ~7-15 transitions/s here, so it gets the 1-state workload (a few
executions) and pass-chain-1000 under a time limit: if the execution is not
done by then, the transitions made so far (StateExited events in its history)
give the rate.
"""
import importlib.metadata
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from common import json_equal

TRIVIAL_EXECUTIONS = 3
LONG_WORKLOAD = "pass-chain-1000"
AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/states/aws4_request, "
        "SignedHeaders=host, Signature=0")


class Moto:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def post(self, path, body, headers=None):
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode(),
                                     headers=headers or {}, method="POST")
        with urllib.request.urlopen(req, timeout=60) as r:
            data = r.read()
        return json.loads(data) if data else None

    def sfn(self, op, body):
        return self.post("/", body, {"Content-Type": "application/x-amz-json-1.0",
                                     "X-Amz-Target": "AWSStepFunctions." + op, "Authorization": AUTH})

    def reset(self):
        # A second StartExecution after a finished one fails in moto 5.2
        # (it deep-copies a lock), so each execution gets a fresh backend.
        self.post("/moto-api/reset", {})
        self.post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(log_path):
    port = free_port()
    with open(log_path, "w") as logf:
        proc = subprocess.Popen([shutil.which("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    moto = Moto(port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(moto.base + "/moto-api/", timeout=2).read()
            return proc, moto
        except (urllib.error.URLError, OSError):
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("moto_server did not start (see %s)" % log_path)


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def execute(moto, workloads, name, expected, timeout):
    """One execution; returns {status, seconds, transitions_done, error}."""
    moto.reset()
    with open(os.path.join(workloads, name + ".asl.json")) as f:
        definition = f.read()
    with open(os.path.join(workloads, name + ".input.json")) as f:
        inp = f.read()
    sm = moto.sfn("CreateStateMachine", {"name": "bench-" + name, "definition": definition,
                                         "roleArn": "arn:aws:iam::123456789012:role/bench"})
    t0 = time.perf_counter()
    ex = moto.sfn("StartExecution", {"stateMachineArn": sm["stateMachineArn"], "input": inp})
    # Poll often at first (the 1-state execution ends within milliseconds),
    # then back off so that polling does not take moto's interpreter's CPU.
    pause = 0.002
    while True:
        d = moto.sfn("DescribeExecution", {"executionArn": ex["executionArn"]})
        elapsed = time.perf_counter() - t0
        if d["status"] != "RUNNING" or elapsed > timeout:
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
    res = {"status": d["status"], "seconds": elapsed, "error": None}
    if d["status"] == "RUNNING":
        hist = moto.sfn("GetExecutionHistory", {"executionArn": ex["executionArn"]})
        res["transitions_done"] = sum(1 for e in hist.get("events", []) if e["type"].endswith("StateExited"))
        res["partial"] = True
        try:
            moto.sfn("StopExecution", {"executionArn": ex["executionArn"]})
        except urllib.error.HTTPError:
            pass
    elif d["status"] != "SUCCEEDED":
        res["error"] = "%s: %s %s" % (d["status"], d.get("error"), d.get("cause"))
    elif not json_equal(json.loads(d.get("output", "null")), expected):
        res["error"] = "output differs from expected"
    return res


def run(workloads, names, trans, expected, timeout, log):
    if shutil.which("moto_server") is None:
        log("moto: moto_server is not installed (pip install 'moto[server]'), skipped")
        return {"skipped": "moto_server is not installed"}
    log_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "stepd-bench-moto.%d.log" % os.getpid())
    try:
        proc, moto = start_server(log_path)
    except (RuntimeError, OSError) as e:
        return {"skipped": str(e)}
    out = {"version": moto_version(), "workloads": {}}
    try:
        todo = []
        if "trivial-1state" in names:
            todo.append(("trivial-1state", TRIVIAL_EXECUTIONS, 60))
        if LONG_WORKLOAD in names and timeout > 0:
            todo.append((LONG_WORKLOAD, 1, timeout))
        for name, count, limit in todo:
            runs = [execute(moto, workloads, name, expected[name], limit) for _ in range(count)]
            best = min(runs, key=lambda r: r["seconds"])
            errors = [r["error"] for r in runs if r["error"]]
            done = best.get("transitions_done", trans[name])
            w = {"executions": count, "best_s": best["seconds"], "status": best["status"],
                 "partial": bool(best.get("partial")), "transitions_done": done,
                 "transitions_per_s": done / best["seconds"] if best["seconds"] > 0 else None,
                 "error": errors[0] if errors else None}
            out["workloads"][name] = w
            log("moto  %-16s %s" % (name, w["error"] or "%.3f s, %.1f transitions/s%s" % (
                w["best_s"], w["transitions_per_s"] or 0, " (partial: stopped after the time limit)"
                if w["partial"] else "")))
    except (urllib.error.URLError, OSError, KeyError, ValueError) as e:
        out["error"] = "moto request failed: %s (server log: %s)" % (e, log_path)
        log("moto: " + out["error"])
    finally:
        stop_server(proc)
    if "error" not in out:
        os.unlink(log_path)
    return out


def moto_version():
    try:
        return importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown: not installed for this python3)"


def report_lines(moto):
    if "skipped" in moto:
        return ["## moto: skipped (%s)" % moto["skipped"]]
    lines = ["## moto %s, Step Functions with execute_state_machine (moto_server, HTTP)" % moto["version"], ""]
    if moto.get("error"):
        lines += [moto["error"], ""]
    lines += ["| workload | executions | best s | transitions done | transitions/s | output |",
              "|---|---:|---:|---:|---:|---|"]
    for name, w in moto["workloads"].items():
        lines.append("| %s | %d | %.3f | %d%s | %.1f | %s |" % (
            name, w["executions"], w["best_s"], w["transitions_done"],
            " (stopped at the time limit)" if w["partial"] else "", w["transitions_per_s"] or 0,
            w["error"] or ("ok" if not w["partial"] else "not finished")))
    lines += ["", "Each moto figure includes the HTTP round trips of StartExecution and the DescribeExecution polls."]
    return lines
