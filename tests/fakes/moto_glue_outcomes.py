"""moto's server, with what moto lacks for Glue job runs: runs that do not
succeed, and BatchStopJobRun. moto's job runs only go STARTING -> RUNNING ->
SUCCEEDED; here a run whose arguments (the job's DefaultArguments or
StartJobRun's Arguments) hold "--fake-final-state": "FAILED" (or ERROR,
TIMEOUT, STOPPED) ends in that state instead, with an ErrorMessage as Glue
gives one, and "RUNNING" keeps it running until BatchStopJobRun stops it.
Everything else is moto's, over the same wire protocols.

Usage: moto_glue_outcomes.py [moto_server options: -H HOST -p PORT]"""
import sys

from moto.glue import models, responses
from moto.server import main

FINAL_STATES = ("FAILED", "ERROR", "TIMEOUT", "STOPPED")
_init = models.FakeJobRun.__init__
_as_dict = models.FakeJobRun.as_dict


def init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    final = (self.arguments or {}).get("--fake-final-state")
    self.fake_error = None
    if final == "RUNNING":
        self._transitions = [("STARTING", "RUNNING")]
    elif final in FINAL_STATES:
        self._transitions = [("STARTING", "RUNNING"), ("RUNNING", final)]
        if final != "STOPPED":
            self.fake_error = "An error occurred while calling o97.parquet. Job %s ended %s (stepd test fake)" % (
                self.job_name, final)


def as_dict(self):
    d = _as_dict(self)
    if self.fake_error is not None and d.get("JobRunState") in FINAL_STATES:
        d["ErrorMessage"] = self.fake_error
    return d


def batch_stop_job_run(self):
    """BatchStopJobRun (Glue API): the runs named become STOPPED."""
    name = self.parameters.get("JobName")
    job = self.glue_backend.get_job(name)
    done, errors = [], []
    for run_id in self.parameters.get("JobRunIds") or []:
        run = next((r for r in job.job_runs if r.job_run_id == run_id), None)
        if run is None:
            errors.append({"JobName": name, "JobRunId": run_id, "ErrorDetail": {
                "ErrorCode": "EntityNotFoundException", "ErrorMessage": "Job run %s not found" % run_id}})
            continue
        run._transitions = [("STOPPED", "STOPPED")]
        run.status = "STOPPED"
        done.append({"JobName": name, "JobRunId": run_id})
    return responses.ActionResult({"SuccessfulSubmissions": done, "Errors": errors})


models.FakeJobRun.__init__ = init
models.FakeJobRun.as_dict = as_dict
responses.GlueResponse.batch_stop_job_run = batch_stop_job_run

if __name__ == "__main__":
    main(sys.argv[1:])
