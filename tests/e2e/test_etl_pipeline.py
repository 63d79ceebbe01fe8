"""The seed's pipelines (examples/etl-pipeline) end to end with `stepd run`
against moto's server: Lambda, Glue (startJobRun.sync, aws-sdk:glue:startCrawler)
and SNS over their real protocols. The nightly ETL workflow succeeds and
notifies; a Glue job run that FAILS is caught and routed to the alert; no
data ends in the Pass; the short ProcessData -> RunETLJob pipeline runs.

Skips (exit 77) where moto is not importable."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glue_emulator import HAVE_MOTO, ROOT, Emulator, skip_without_moto  # noqa: E402
from stepd_test import STEPD, Result  # noqa: E402

EX = os.path.join(ROOT, "examples", "etl-pipeline")


class TestEtlPipeline(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator()

    def tearDown(self):
        self.emu.stop()

    def setup_scenario(self, scenario):
        subprocess.run([sys.executable, os.path.join(EX, "emulator.py"), "setup", self.emu.url, "--scenario", scenario],
                       check=True, capture_output=True, timeout=60)

    def run_pipeline(self, name="etl-pipeline.asl.json", history=None):
        argv = [STEPD, "run", os.path.join(EX, name), "--input-file", os.path.join(EX, "input.json"),
                "--log-level", "info"]
        if history:
            argv += ["--history", history]
        return Result(subprocess.run(argv, capture_output=True, text=True, timeout=120, env=self.emu.env()))

    def inbox(self):
        out = subprocess.run([sys.executable, os.path.join(EX, "emulator.py"), "inbox", self.emu.url], check=True,
                             capture_output=True, text=True, timeout=60).stdout
        return json.loads(out)

    def events(self, path):
        with open(path) as f:
            return json.load(f)["events"]

    def test_nightly_etl_succeeds(self):
        self.setup_scenario("success")
        with tempfile.TemporaryDirectory() as tmp:
            hist = os.path.join(tmp, "history.json")
            r = self.run_pipeline(history=hist)
            self.assertEqual(r.code, 0, r.stderr)
            out = r.output
            self.assertEqual(out["etlStatus"], "SUCCEEDED")
            self.assertRegex(out["notification"]["MessageId"], r"^[0-9a-f-]{36}$")
            events = self.events(hist)
        types = [e["type"] for e in events]
        self.assertIn("TaskSubmitted", types)
        glue_done = [e for e in events if e["type"] == "TaskSucceeded"
                     and e["taskSucceededEventDetails"]["resource"] == "startJobRun.sync"][0]
        run = json.loads(glue_done["taskSucceededEventDetails"]["output"])
        self.assertEqual(run["JobRunState"], "SUCCEEDED")
        self.assertEqual(run["JobName"], "nightly-etl")
        self.assertEqual(run["Arguments"]["--run_date"], "2026-11-24")
        self.assertIsInstance(run["StartedOn"], int)  # epoch milliseconds, as the optimized integration gives
        # The .sync task polled GetJobRun while the run was not done.
        self.assertIn("is RUNNING", r.stderr)
        box = self.inbox()
        self.assertEqual(len(box["etl-notifications"]), 1)
        self.assertIn("Nightly ETL for 2026-11-24 succeeded", box["etl-notifications"][0])
        self.assertEqual(box["etl-alerts"], [])
        self.assertEqual(box["crawler"]["State"], "RUNNING")  # started by aws-sdk:glue:startCrawler

    def test_failed_glue_job_routes_to_the_alert(self):
        self.setup_scenario("job-fails")
        r = self.run_pipeline()
        self.assertEqual(r.code, 1, r.stderr)
        self.assertEqual(r.error["error"], "ETL.Failed")
        box = self.inbox()
        self.assertEqual(box["etl-notifications"], [])
        self.assertEqual(len(box["etl-alerts"]), 1)
        alert = json.loads(box["etl-alerts"][0])  # States.JsonToString($): the state with the caught error
        self.assertEqual(alert["error"]["Error"], "States.TaskFailed")
        cause = json.loads(alert["error"]["Cause"])
        self.assertEqual(cause["JobRunState"], "FAILED")
        self.assertEqual(cause["JobName"], "nightly-etl")
        self.assertIn("ErrorMessage", cause)
        self.assertEqual(box["crawler"]["State"], "READY")  # never started

    def test_no_data_to_process(self):
        self.setup_scenario("no-data")
        r = self.run_pipeline()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, "No data to process")
        self.assertEqual(self.inbox()["etl-notifications"], [])

    def test_process_data_pipeline(self):
        self.setup_scenario("process-data")
        r = self.run_pipeline("process-data.asl.json")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output["JobRunState"], "SUCCEEDED")
        self.assertEqual(r.output["Arguments"]["--source_path"], "s3://acme-raw-data/events/2026-11-24/")


class TestSeedDefinition(unittest.TestCase):
    def test_validate_points_at_the_sdk_integration(self):
        r = Result(subprocess.run([STEPD, "validate", os.path.join(EX, "seed-etl-pipeline.asl.json")],
                                  capture_output=True, text=True, timeout=60))
        self.assertEqual(r.code, 2)
        diags = {(d["code"], d["location"]): d["message"] for d in r.output["diagnostics"]}
        self.assertIn("not recognized", diags[("SCHEMA_VALIDATION_FAILED", "/States/UpdateDataCatalog/Resource")])
        self.assertIn("'arn:aws:states:::aws-sdk:glue:startCrawler' (its parameters: Name)",
                      diags[("RESOURCE_HINT", "/States/UpdateDataCatalog/Resource")])
        fixed = Result(subprocess.run([STEPD, "validate", os.path.join(EX, "etl-pipeline.asl.json")],
                                      capture_output=True, text=True, timeout=60))
        self.assertEqual(fixed.code, 0, fixed.stdout)
        self.assertEqual([d for d in fixed.output["diagnostics"] if d["severity"] == "ERROR"], [])


if __name__ == "__main__":
    if not HAVE_MOTO:
        # The validation test needs no emulator; the rest skip with the hint.
        suite = unittest.TestLoader().loadTestsFromTestCase(TestSeedDefinition)
        ok = unittest.TextTestRunner().run(suite).wasSuccessful()
        skip_without_moto() if ok else sys.exit(1)
    unittest.main()
