"""Shared helpers for the end-to-end tests: run the real stepd binary."""
import json
import os
import subprocess
import tempfile
import unittest

STEPD = os.environ.get("STEPD") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "stepd")


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def output(self):
        return json.loads(self.stdout)

    @property
    def error(self):
        """The last stderr line: {"error": ..., "cause": ...}."""
        lines = [l for l in self.stderr.splitlines() if l.strip()]
        return json.loads(lines[-1])


class StepdTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, value):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(value if isinstance(value, str) else json.dumps(value))
        return path

    def stepd(self, *args, stdin=None, timeout=60):
        proc = subprocess.run([STEPD, *args], input=stdin, capture_output=True, text=True, timeout=timeout)
        return Result(proc)

    def run_def(self, definition, *args, input=None, name="machine", timeout=60):
        path = self.write(name + ".asl.json", definition)
        argv = ["run", path, *args]
        if input is not None:
            argv += ["--input", json.dumps(input)]
        return self.stepd(*argv, timeout=timeout)

    def history(self, definition, *args, input=None):
        hist = os.path.join(self.dir, "history.json")
        r = self.run_def(definition, "--history", hist, *args, input=input)
        with open(hist) as f:
            return r, json.load(f)["events"]
