"""`stepd schedule create|list|describe|update|pause|resume|delete` against a
real `stepd serve` (issue 6): what each prints, the exit statuses (0 done,
2 usage or an invalid expression, 5 an API error, 6 no server), and a
schedule made this way firing on the server's clock."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_compat import STEPD  # noqa: E402
from serve_harness import Server  # noqa: E402

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


class ScheduleCli(unittest.TestCase):
    def setUp(self):
        self.server = Server(["--clock", "2026-11-26T01:59:55Z"])

    def tearDown(self):
        # SIGTERM, exit 0 and nothing from the sanitizers in the server's log.
        self.server.check_clean_exit()

    def stepd(self, *args, endpoint=None):
        env = dict(os.environ, STEPD_ENDPOINT=endpoint or self.server.url)
        p = subprocess.run([STEPD, *args], capture_output=True, text=True, timeout=60, env=env)
        return p.returncode, p.stdout, p.stderr

    def machine(self):
        code, out, err = self.stepd("state-machines", "create", "--name", "etl", "--role-arn",
                                    "arn:aws:iam::123456789012:role/r", "--definition", json.dumps(PASS))
        self.assertEqual(code, 0, err)
        return json.loads(out)["stateMachineArn"]

    def test_lifecycle(self):
        arn = self.machine()
        code, out, err = self.stepd("schedule", "create", "nightly", "--expression", "cron(0 2 * * ? *)",
                                    "--timezone", "Europe/London", "--state-machine", "etl", "--input",
                                    '{"day": "<aws.scheduler.scheduled-time>"}', "--missed", "all")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["ScheduleArn"],
                         "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly")
        code, out, err = self.stepd("schedule", "describe", "nightly")
        got = json.loads(out)
        self.assertEqual((got["ScheduleExpressionTimezone"], got["MissedFirePolicy"]), ("Europe/London", "ALL"))
        self.assertEqual(got["Target"]["Arn"], arn)
        self.assertEqual(got["Target"]["RoleArn"], "arn:aws:iam::123456789012:role/stepd-scheduler")
        code, out, err = self.stepd("schedule", "pause", "nightly")
        self.assertEqual(code, 0, err)
        code, out, _ = self.stepd("schedule", "list", "--state", "DISABLED")
        self.assertEqual([s["Name"] for s in json.loads(out)["Schedules"]], ["nightly"])
        self.stepd("schedule", "resume", "nightly")
        # update keeps what is not given.
        code, out, err = self.stepd("schedule", "update", "nightly", "--expression", "cron(30 1 * * ? *)")
        self.assertEqual(code, 0, err)
        got = json.loads(self.stepd("schedule", "describe", "nightly")[1])
        self.assertEqual((got["ScheduleExpression"], got["State"], got["ScheduleExpressionTimezone"],
                          got["MissedFirePolicy"]), ("cron(30 1 * * ? *)", "ENABLED", "Europe/London", "ALL"))
        self.assertIn("scheduled-time", got["Target"]["Input"])
        code, out, err = self.stepd("schedule", "delete", "nightly")
        self.assertEqual((code, json.loads(out)), (0, {}))
        code, out, _ = self.stepd("schedule", "list")
        self.assertEqual(json.loads(out), {"Schedules": []})

    def test_exit_statuses(self):
        self.machine()
        code, out, err = self.stepd("schedule", "create", "bad", "--expression", "cron(0 2 * * * *)",
                                    "--state-machine", "etl")
        self.assertEqual(code, 2)
        self.assertIn("day-of-week at column 14", err)
        self.assertIn("\n  cron(0 2 * * * *)\n               ^", err)
        code, _, err = self.stepd("schedule", "create", "x", "--expression", "rate(1 day)")
        self.assertEqual(code, 2)
        code, _, err = self.stepd("schedule", "describe", "missing")
        self.assertEqual(code, 5)
        self.assertIn("ResourceNotFoundException: Schedule missing does not exist.", err)
        code, _, err = self.stepd("schedule", "create", "x", "--expression", "rate(1 day)", "--state-machine",
                                  "nope")
        self.assertEqual(code, 5)
        self.assertIn("StateMachineDoesNotExist", err)
        code, _, err = self.stepd("schedule", "list", endpoint="http://127.0.0.1:9")
        self.assertEqual(code, 6)
        self.assertIn("cannot reach", err)

    def test_the_nightly_example_creates_its_schedule(self):
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        with open(os.path.join(root, "examples", "etl-pipeline", "etl-pipeline.asl.json")) as f:
            definition = f.read()
        code, _, err = self.stepd("state-machines", "create", "--name", "nightly-etl", "--role-arn",
                                  "arn:aws:iam::123456789012:role/etl", "--definition", definition)
        self.assertEqual(code, 0, err)
        env = dict(os.environ, STEPD=STEPD, STEPD_ENDPOINT=self.server.url)
        p = subprocess.run(["sh", os.path.join(root, "examples", "nightly", "schedule.sh")], capture_output=True,
                           text=True, timeout=60, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.split("{")[0].split()), 3)  # the preview's three nights
        got = json.loads(self.stepd("schedule", "describe", "nightly-etl")[1])
        self.assertEqual((got["ScheduleExpression"], got["ScheduleExpressionTimezone"], got["MissedFirePolicy"]),
                         ("cron(0 2 * * ? *)", "Europe/Paris", "LATEST"))
        self.assertEqual(json.loads(got["Target"]["Input"])["scheduledTime"], "<aws.scheduler.scheduled-time>")

    def test_a_schedule_made_by_the_cli_fires(self):
        self.machine()
        code, _, err = self.stepd("schedule", "create", "nightly", "--expression", "cron(0 2 * * ? *)",
                                  "--state-machine", "etl")
        self.assertEqual(code, 0, err)
        deadline = time.time() + 20
        names = []
        while not names and time.time() < deadline:
            out = self.stepd("executions", "list", "--state-machine", "etl")[1]
            names = [e["name"] for e in json.loads(out)["executions"]]
            time.sleep(0.2)
        self.assertEqual(names, ["nightly-20261126T020000Z"])


if __name__ == "__main__":
    unittest.main()
