"""The Glue connector over real HTTP against moto's server (with the failing
job runs moto lacks, tests/fakes/moto_glue_outcomes.py): glue:startJobRun
request-response and .sync (polling GetJobRun to a terminal state), and
aws-sdk:glue:<action> (startCrawler, getCrawler, getJobRun, getJobRuns), with
AWS's result shapes and error names, under `stepd run` and `stepd serve`.

Skips (exit 77) where moto is not importable."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glue_emulator import HAVE_MOTO, Emulator, skip_without_moto  # noqa: E402
from stepd_test import STEPD, Result  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/glue"
REQUEST_ID = r"[0-9a-zA-Z-]+"


def task(resource, params, **more):
    state = {"Type": "Task", "Resource": resource, "Parameters": params, "End": True}
    state.update(more)
    return {"StartAt": "T", "States": {"T": state}}


class GlueCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator()
        cls.glue = cls.emu.client("glue")
        for name, final in (("job-ok", None), ("job-failed", "FAILED"), ("job-timeout", "TIMEOUT"),
                            ("job-error", "ERROR"), ("job-stopped", "STOPPED"), ("job-forever", "RUNNING")):
            args = {"--fake-final-state": final} if final else {}
            cls.glue.create_job(Name=name, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"},
                                DefaultArguments=args, ExecutionProperty={"MaxConcurrentRuns": 100})
        cls.glue.create_crawler(Name="crawler-1", Role=ROLE, DatabaseName="db",
                                Targets={"S3Targets": [{"Path": "s3://b/curated/"}]})

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def run_def(self, definition, *args):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "stepd-glue-%d.json" % os.getpid())
        with open(path, "w") as f:
            json.dump(definition, f)
        try:
            proc = subprocess.run([STEPD, "run", path, "--log-level", "info", *args], capture_output=True, text=True,
                                  timeout=120, env=self.emu.env())
        finally:
            os.unlink(path)
        return Result(proc)


class TestStartJobRun(GlueCase):
    def test_request_response(self):
        r = self.run_def(task("arn:aws:states:::glue:startJobRun", {"JobName": "job-ok"}))
        self.assertEqual(r.code, 0, r.stderr)
        out = r.output
        self.assertEqual(out["JobName"], "job-ok")  # copied from the request, as Step Functions does
        self.assertRegex(out["JobRunId"], r"^jr_[0-9a-f]+$")
        self.assertEqual(out["SdkHttpMetadata"]["HttpStatusCode"], 200)
        self.assertIn("RequestId", out["SdkResponseMetadata"])
        run = self.glue.get_job_run(JobName="job-ok", RunId=out["JobRunId"])["JobRun"]
        self.assertEqual(run["JobName"], "job-ok")

    def test_sync_succeeds_with_the_job_run(self):
        r = self.run_def(task("arn:aws:states:::glue:startJobRun.sync",
                              {"JobName": "job-ok", "Arguments": {"--day": "2026-11-24"}}))
        self.assertEqual(r.code, 0, r.stderr)
        out = r.output
        self.assertEqual(out["JobRunState"], "SUCCEEDED")
        self.assertEqual(out["JobName"], "job-ok")
        self.assertEqual(out["Arguments"]["--day"], "2026-11-24")
        for k in ("StartedOn", "LastModifiedOn", "CompletedOn"):
            self.assertIsInstance(out[k], int, k)  # epoch milliseconds
            self.assertGreater(out[k], 10**12, k)

    def test_sync_abnormal_ends_fail_the_task(self):
        for job, state in (("job-failed", "FAILED"), ("job-timeout", "TIMEOUT"), ("job-error", "ERROR")):
            r = self.run_def(task("arn:aws:states:::glue:startJobRun.sync", {"JobName": job}))
            self.assertEqual(r.code, 1, r.stderr)
            self.assertEqual(r.error["error"], "States.TaskFailed", job)
            cause = json.loads(r.error["cause"])
            self.assertEqual((cause["JobName"], cause["JobRunState"]), (job, state))
            self.assertIn("ErrorMessage", cause)

    def test_sync_stopped_is_not_a_failure(self):
        # Glue counts only FAILED, ERROR and TIMEOUT as abnormal ends.
        r = self.run_def(task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "job-stopped"}))
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output["JobRunState"], "STOPPED")

    def test_sync_caught_failure(self):
        d = task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "job-failed"},
                 Catch=[{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Alert"}])
        del d["States"]["T"]["End"]
        d["States"]["T"]["Next"] = "Done"
        d["States"]["Done"] = {"Type": "Succeed"}
        d["States"]["Alert"] = {"Type": "Pass", "Parameters": {"alerted.$": "$.err.Error"}, "End": True}
        r = self.run_def(d)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {"alerted": "States.TaskFailed"})

    def test_task_timeout_stops_the_run(self):
        # The Task lets go of a run that is still RUNNING: stepd stops it
        # (BatchStopJobRun, which Step Functions' IAM policy for .sync grants).
        r = self.run_def(task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "job-forever"}, TimeoutSeconds=1))
        self.assertEqual(r.code, 1, r.stderr)
        self.assertEqual(r.error["error"], "States.Timeout")
        self.assertIn("glue BatchStopJobRun", r.stderr)
        runs = self.glue.get_job_runs(JobName="job-forever")["JobRuns"]
        self.assertEqual([jr["JobRunState"] for jr in runs], ["STOPPED"])

    def test_unknown_job(self):
        r = self.run_def(task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "nope"}))
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "Glue.EntityNotFoundException")
        self.assertRegex(
            r.error["cause"],
            r" \(Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException; Request ID: %s; "
            r"Proxy: null\)$" % REQUEST_ID)

    def test_history_of_a_sync_run(self):
        hist = os.path.join(os.environ.get("TMPDIR", "/tmp"), "stepd-glue-hist-%d.json" % os.getpid())
        try:
            r = self.run_def(task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "job-ok"}), "--history", hist)
            self.assertEqual(r.code, 0, r.stderr)
            with open(hist) as f:
                events = json.load(f)["events"]
        finally:
            if os.path.exists(hist):
                os.unlink(hist)
        self.assertEqual([e["type"] for e in events],
                         ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
                          "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"])
        sub = events[4]["taskSubmittedEventDetails"]
        self.assertEqual((sub["resourceType"], sub["resource"]), ("glue", "startJobRun.sync"))
        self.assertEqual(json.loads(sub["output"])["JobName"], "job-ok")


class TestAwsSdkGlue(GlueCase):
    def test_crawler_actions(self):
        r = self.run_def(task("arn:aws:states:::aws-sdk:glue:startCrawler", {"Name": "crawler-1"}))
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {})
        r = self.run_def(task("arn:aws:states:::aws-sdk:glue:getCrawler", {"Name": "crawler-1"}))
        self.assertEqual(r.code, 0, r.stderr)
        crawler = r.output["Crawler"]
        self.assertEqual((crawler["Name"], crawler["State"]), ("crawler-1", "RUNNING"))
        # Dates as the Java SDK v2 behind SDK integrations prints them.
        self.assertRegex(crawler["CreationTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")
        # Starting a running crawler: the model's exception, the SDK v2 cause.
        r = self.run_def(task("arn:aws:states:::aws-sdk:glue:startCrawler", {"Name": "crawler-1"}))
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "Glue.CrawlerRunningException")
        self.assertRegex(r.error["cause"], r" \(Service: Glue, Status Code: 400, Request ID: %s\)$" % REQUEST_ID)

    def test_unknown_crawler(self):
        r = self.run_def(task("arn:aws:states:::aws-sdk:glue:startCrawler", {"Name": "nope"}))
        self.assertEqual(r.code, 1)
        self.assertEqual(r.error["error"], "Glue.EntityNotFoundException")
        self.assertRegex(r.error["cause"],
                         r"^Crawler nope not found\. \(Service: Glue, Status Code: 400, Request ID: %s\)$" % REQUEST_ID)

    def test_job_run_actions(self):
        run_id = self.glue.start_job_run(JobName="job-ok")["JobRunId"]
        r = self.run_def(task("arn:aws:states:::aws-sdk:glue:getJobRun", {"JobName": "job-ok", "RunId": run_id}))
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output["JobRun"]["Id"], run_id)
        self.assertIsInstance(r.output["JobRun"]["StartedOn"], str)
        r = self.run_def(task("arn:aws:states:::aws-sdk:glue:getJobRuns", {"JobName": "job-ok"}))
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(run_id, [jr["Id"] for jr in r.output["JobRuns"]])

    def test_sdk_error_is_catchable_by_name(self):
        d = task("arn:aws:states:::aws-sdk:glue:getJobRun", {"JobName": "job-ok", "RunId": "jr_missing"},
                 Catch=[{"ErrorEquals": ["Glue.EntityNotFoundException"], "Next": "Caught"}])
        del d["States"]["T"]["End"]
        d["States"]["T"]["Next"] = "Caught"
        d["States"]["Caught"] = {"Type": "Pass", "Result": "caught", "End": True}
        r = self.run_def(d)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, "caught")


class TestGlueUnderServe(GlueCase):
    def test_sync_through_the_api(self):
        try:
            import botocore.config
            from test_serve_api import ROLE as SFN_ROLE
            from serve_harness import Server
        except ImportError:
            self.skipTest("boto3 is not importable")
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.emu.env())
        try:
            server = Server(db=":memory:")
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            import boto3
            sfn = boto3.client("stepfunctions", endpoint_url=server.url, region_name="us-east-1",
                               aws_access_key_id="x", aws_secret_access_key="x",
                               config=botocore.config.Config(retries={"max_attempts": 1}))
            m = sfn.create_state_machine(name="glue-sync", roleArn=SFN_ROLE, definition=json.dumps(
                task("arn:aws:states:::glue:startJobRun.sync", {"JobName": "job-ok"})))["stateMachineArn"]
            ex = sfn.start_execution(stateMachineArn=m)["executionArn"]
            import time
            deadline = time.time() + 60
            while True:
                d = sfn.describe_execution(executionArn=ex)
                if d["status"] != "RUNNING":
                    break
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            self.assertEqual(d["status"], "SUCCEEDED", d)
            self.assertEqual(json.loads(d["output"])["JobRunState"], "SUCCEEDED")
            self.assertTrue(re.search(r"glue", server.read_log()))
            self.assertEqual(server.stop(), 0, server.read_log())
        finally:
            server.cleanup()


if __name__ == "__main__":
    if not HAVE_MOTO:
        skip_without_moto()
    unittest.main()
