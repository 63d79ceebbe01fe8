#!/usr/bin/env python3
"""Benchmarks of `stepd serve` (issue #4), driven by wrk over keep-alive HTTP:

  start     StartExecution requests/s on a one-state Pass machine, history
            persisted (the SQLite file, WAL, group commit);
  parked    memory per execution parked in a 1-hour Wait (N of them);
  describe  DescribeExecution latency p50/p99 while those N are parked.

Prints a Markdown report and writes every figure to bench/out/serve.json.
Standard library only, plus wrk (Debian: apt-get install wrk) and a Release
stepd (bench/serve.sh builds one). Not a test: figures depend on the machine
and its load, which the report records.
"""
import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = "arn:aws:iam::123456789012:role/bench"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}

LUA_START = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "AWSStepFunctions.StartExecution"
wrk.body = os.getenv("BODY")
local limit = tonumber(os.getenv("LIMIT") or "0")
local answered = 0
local bad = 0
response = function(status, headers, body)
  if status ~= 200 and bad < 3 then
    bad = bad + 1
    io.stderr:write("status " .. status .. ": " .. body .. "\n")
  end
  answered = answered + 1
  -- thread:stop() ends this thread's loop, but wrk's main thread still
  -- sleeps out -d; the line tells serve.py to interrupt it (SIGINT).
  if limit > 0 and answered == limit then
    wrk.thread:stop()
    io.stderr:write("thread done\n")
    io.stderr:flush()
  end
end
"""

LUA_DESCRIBE = r"""
local arns = {}
for line in io.lines(os.getenv("ARNS")) do arns[#arns + 1] = line end
local headers = { ["Content-Type"] = "application/x-amz-json-1.0",
                  ["X-Amz-Target"] = "AWSStepFunctions.DescribeExecution" }
request = function()
  local arn = arns[math.random(#arns)]
  return wrk.format("POST", "/", headers, '{"executionArn":"' .. arn .. '"}')
end
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Server:
    def __init__(self, stepd, db):
        self.db = db
        self.log_path = db + ".log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([stepd, "serve", "--listen", "127.0.0.1:0", "--db", db, "--log-level", "warn"],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while True:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(self.log_path).read())
            if m:
                self.url = "http://127.0.0.1:%s" % m.group(1)
                return
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("stepd serve did not start:\n" + open(self.log_path).read())
            time.sleep(0.05)

    def call(self, action, body):
        req = urllib.request.Request(self.url + "/", data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + action})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def machine(self, name, definition):
        return self.call("CreateStateMachine", {"name": name, "definition": json.dumps(definition),
                                                "roleArn": ROLE})["stateMachineArn"]

    def cpu_seconds(self):
        """User + system CPU the server has used (all its threads)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return self.proc.returncode


def wrk(url, script, env, threads, conns, duration, latency=False, limited=False):
    """Runs wrk; with `limited` (a LIMIT in env), interrupts it once every
    thread has had its LIMIT of answers, instead of waiting out `duration`,
    and reports when that was in res["seconds"]."""
    cmd = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration, "-s", script, url]
    if latency:
        cmd.insert(1, "--latency")
    log("  $ " + " ".join(cmd))
    t0 = time.time()
    p = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    err_lines = []
    done = 0
    seconds = None
    for line in p.stderr:
        if line.strip() == "thread done":
            done += 1
            if limited and done == threads:
                seconds = time.time() - t0
                p.send_signal(signal.SIGINT)  # wrk prints its report on SIGINT
        else:
            err_lines.append(line)
    out = p.stdout.read()
    p.wait()
    if seconds is None:
        seconds = time.time() - t0
    if p.returncode != 0:
        raise SystemExit("wrk failed:\n" + out + "".join(err_lines))
    res = {"raw": out, "stderr": "".join(err_lines)[-2000:], "seconds": seconds}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    for pct in ("50", "75", "90", "99"):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)\b" % pct, out)
        if m:
            v = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
            res["p" + pct + "_ms"] = v
    return res


def count_rows(db, where="1"):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute("SELECT count(*) FROM executions WHERE " + where).fetchone()[0]
    finally:
        con.close()


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def bench_start(args, tmp, scripts):
    db = os.path.join(tmp, "start.db")
    srv = Server(args.stepd, db)
    try:
        arn = srv.machine("pass", PASS)
        body = json.dumps({"stateMachineArn": arn, "input": json.dumps({"k": 1})})
        wrk(srv.url, scripts["start"], {"BODY": body}, args.threads, args.conns, 2)  # warm-up
        before = count_rows(db)
        load0 = load()
        cpu0 = srv.cpu_seconds()
        r = wrk(srv.url, scripts["start"], {"BODY": body}, args.threads, args.conns, args.duration, latency=True)
        cpu = srv.cpu_seconds() - cpu0
        rss = srv.rss_kib()
    finally:
        code = srv.stop()
    rows = count_rows(db) - before
    events = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    return {"rps": r["rps"], "requests": r["requests"], "non2xx": r["non2xx"], "rows": rows, "events": events,
            "p50_ms": r.get("p50_ms"), "p99_ms": r.get("p99_ms"), "rss_kib": rss, "load_before": load0,
            "server_cpu_us_per_request": cpu * 1e6 / max(r["requests"], 1),
            "exit": code, "wrk": r["raw"]}


def bench_parked(args, tmp, scripts):
    db = os.path.join(tmp, "parked.db")
    srv = Server(args.stepd, db)
    res = {}
    try:
        arn = srv.machine("wait1h", WAIT)
        warm = srv.machine("warm", PASS)
        # Warm the allocator and SQLite's caches on another machine first.
        body = json.dumps({"stateMachineArn": warm, "input": "{}"})
        wrk(srv.url, scripts["start"], {"BODY": body, "LIMIT": "500"}, 1, 8, 30, limited=True)
        time.sleep(1)
        rss0 = srv.rss_kib()
        body = json.dumps({"stateMachineArn": arn, "input": "{}"})
        per_thread = (args.parked + args.threads - 1) // args.threads
        r = wrk(srv.url, scripts["start"], {"BODY": body, "LIMIT": str(per_thread)}, args.threads, args.conns, 600,
                limited=True)
        elapsed = r["seconds"]
        time.sleep(2)  # let the last commits land
        parked = count_rows(db, "status = 'RUNNING' AND machine_arn = '%s'" % arn)
        rss1 = srv.rss_kib()
        res.update(parked=parked, rss_before_kib=rss0, rss_after_kib=rss1, start_seconds=elapsed,
                   start_rps=parked / elapsed, bytes_per_execution=(rss1 - rss0) * 1024.0 / max(parked, 1))
        # DescribeExecution on random parked executions while they wait.
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        arns = [row[0] for row in con.execute(
            "SELECT arn FROM executions WHERE status = 'RUNNING' ORDER BY random() LIMIT 10000")]
        con.close()
        path = os.path.join(tmp, "arns.txt")
        with open(path, "w") as f:
            f.write("\n".join(arns) + "\n")
        load0 = load()
        d = wrk(srv.url, scripts["describe"], {"ARNS": path}, args.threads, args.describe_conns, args.duration,
                latency=True)
        res.update(describe_rps=d["rps"], describe_p50_ms=d.get("p50_ms"), describe_p90_ms=d.get("p90_ms"),
                   describe_p99_ms=d.get("p99_ms"), describe_non2xx=d["non2xx"], describe_load_before=load0,
                   describe_wrk=d["raw"])
    finally:
        res["exit"] = srv.stop()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stepd", default=os.path.join(HERE, "..", "build-bench", "stepd"))
    ap.add_argument("--only", choices=["start", "parked"], help="one benchmark (parked includes describe)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--conns", type=int, default=64, help="keep-alive connections for StartExecution (64)")
    ap.add_argument("--describe-conns", type=int, default=16, help="connections for DescribeExecution (16)")
    ap.add_argument("--parked", type=int, default=100000, help="executions parked in the Wait (100000)")
    args = ap.parse_args()
    out = {"cpus": os.cpu_count(), "load_at_start": load(), "args": vars(args)}
    with tempfile.TemporaryDirectory(dir=os.environ.get("SD_BENCH_TMP")) as tmp:
        scripts = {}
        for name, text in (("start", LUA_START), ("describe", LUA_DESCRIBE)):
            scripts[name] = os.path.join(tmp, name + ".lua")
            with open(scripts[name], "w") as f:
                f.write(text)
        if args.only in (None, "start"):
            log("StartExecution throughput ...")
            out["start"] = bench_start(args, tmp, scripts)
        if args.only in (None, "parked"):
            log("parking %d executions ..." % args.parked)
            out["parked"] = bench_parked(args, tmp, scripts)
    out["load_at_end"] = load()
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "serve.json"), "w") as f:
        json.dump(out, f, indent=2)
    print("| figure | value | target |")
    print("| --- | ---: | --- |")
    if "start" in out:
        s = out["start"]
        print("| StartExecution/s (wrk -t%d -c%d, %d s) | %.0f | >= 10,000 |" % (args.threads, args.conns,
                                                                                args.duration, s["rps"]))
        print("| StartExecution p50 / p99 latency | %.2f / %.2f ms | |" % (s["p50_ms"] or 0, s["p99_ms"] or 0))
        print("| non-2xx answers; rows written; history events | %d; %d; %d | 0; = requests |" % (
            s["non2xx"], s["rows"], s["events"]))
        print("| server CPU per StartExecution (loop + writer threads) | %.0f us | |" %
              s["server_cpu_us_per_request"])
    if "parked" in out:
        p = out["parked"]
        print("| executions parked in a 1-hour Wait | %d (started at %.0f/s) | %d |" % (
            p["parked"], p["start_rps"], args.parked))
        print("| RSS before / after | %.1f / %.1f MiB | |" % (p["rss_before_kib"] / 1024, p["rss_after_kib"] / 1024))
        print("| memory per parked execution | %.0f bytes | < 2048 |" % p["bytes_per_execution"])
        print("| DescribeExecution p50 / p90 / p99 (wrk -c%d) | %.2f / %.2f / %.2f ms | p99 < 5 ms |" % (
            args.describe_conns, p["describe_p50_ms"] or 0, p["describe_p90_ms"] or 0, p["describe_p99_ms"] or 0))
        print("| DescribeExecution/s | %.0f | |" % p["describe_rps"])
    print("\nload average (1, 5, 15 min): %s at start, %s at end; %d CPUs" % (
        out["load_at_start"], out["load_at_end"], out["cpus"]))


if __name__ == "__main__":
    main()
