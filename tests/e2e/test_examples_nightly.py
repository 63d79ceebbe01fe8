"""examples/nightly: the crontab line and the systemd service unit run as
written (stepd's path and the endpoint swapped for the test's) against a
real `stepd serve`, twice each: one execution per night, both exit 0.
systemd-analyze, when present, checks the unit files."""
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_cli_start import STEPD, StartTestCase  # noqa: E402
from test_serve_api import PASS  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "nightly")
INSTALLED = "/usr/local/bin/stepd"


def crontab_job():
    """The environment lines and the one job of the crontab, its command
    as cron hands it to sh (\\% is a literal %; a bare % would be stdin)."""
    env, jobs = {}, []
    with open(os.path.join(HERE, "crontab")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([A-Z_]+)=(.*)$", line)
            if m:
                env[m.group(1)] = m.group(2)
                continue
            fields = line.split(None, 5)
            jobs.append((fields[:5], fields[5]))
    assert len(jobs) == 1, jobs
    schedule, command = jobs[0]
    assert re.search(r"(?<!\\)%", command) is None, "a bare % in the crontab command"
    return env, schedule, command.replace("\\%", "%")


def unit_exec_start(name):
    """ExecStart of a unit file, as systemd runs it (%% is a literal %)."""
    with open(os.path.join(HERE, name)) as f:
        lines = [l.strip() for l in f if l.startswith("ExecStart=")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0][len("ExecStart="):].replace("%%", "%"))


class TestNightlyExamples(StartTestCase):
    def setUp(self):
        # A stand-in for the ETL workflow: what is checked here is the trigger.
        r = self.cli("state-machines", "list")
        if "nightly-etl" not in r.stdout:
            self.create("nightly-etl", PASS)

    def executions(self):
        r = self.cli("executions", "list", "--state-machine", "nightly-etl")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [e["name"] for e in json.loads(r.stdout)["executions"]]

    def run_twice(self, argv, env):
        night = "nightly-" + datetime.date.today().isoformat()
        results = [subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60) for _ in range(2)]
        for r in results:
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout), {"r": {"x": 1}})
        self.assertNotIn("exists already", results[0].stderr)
        self.assertIn("an execution named '%s' exists already; nothing started" % night, results[1].stderr)
        self.assertEqual(self.executions().count(night), 1)
        return night

    def env(self, extra):
        env = dict(os.environ)
        env.update(extra)
        env["STEPD_ENDPOINT"] = self.url
        return env

    def test_crontab_line(self):
        env, schedule, command = crontab_job()
        self.assertEqual(schedule, ["0", "2", "*", "*", "*"])
        self.assertIn(INSTALLED + " start ", command)
        night = self.run_twice(["/bin/sh", "-c", command.replace(INSTALLED, STEPD)], self.env(env))
        # The unit pair names the night the same way: it finds it too.
        argv = [a.replace(INSTALLED, STEPD) for a in unit_exec_start("stepd-nightly-etl.service")]
        r = subprocess.run(argv, capture_output=True, text=True, env=self.env({}), timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("'%s' exists already" % night, r.stderr)

    def test_service_unit(self):
        argv = [a.replace(INSTALLED, STEPD) for a in unit_exec_start("stepd-nightly-etl.service")]
        self.assertEqual(argv[:2], ["/bin/sh", "-c"])
        night = "nightly-" + datetime.date.today().isoformat()
        if night in self.executions():  # test_crontab_line ran first: the night is done
            r = subprocess.run(argv, capture_output=True, text=True, env=self.env({}), timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("exists already", r.stderr)
        else:
            self.run_twice(argv, self.env({}))

    def test_timer_unit(self):
        with open(os.path.join(HERE, "stepd-nightly-etl.timer")) as f:
            text = f.read()
        self.assertIn("OnCalendar=*-*-* 02:00:00\n", text)
        self.assertIn("Unit=stepd-nightly-etl.service\n", text)
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is not installed")
        r = subprocess.run([analyze, "calendar", "*-*-* 02:00:00"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run(
            [analyze, "verify", "--man=no"]
            + [os.path.join(HERE, u) for u in ("stepd-nightly-etl.timer", "stepd-nightly-etl.service", "stepd.service")],
            capture_output=True, text=True)
        # The only complaint allowed: stepd is not installed at its path here.
        problems = [l for l in (r.stdout + r.stderr).splitlines() if l.strip() and "is not executable" not in l]
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main()
