"""moto's server, with one thing moto lacks: Glue job runs that do not
succeed. moto's job runs only go STARTING -> RUNNING -> SUCCEEDED; here a
run whose arguments (the job's DefaultArguments or StartJobRun's Arguments)
hold "--fake-final-state": "FAILED" (or ERROR, TIMEOUT, STOPPED) ends in that
state instead, with an ErrorMessage as Glue gives one. Everything else is
moto's, over the same wire protocols.

Usage: moto_glue_outcomes.py [moto_server options: -H HOST -p PORT]"""
import sys

from moto.glue import models
from moto.server import main

FINAL_STATES = ("FAILED", "ERROR", "TIMEOUT", "STOPPED")
_init = models.FakeJobRun.__init__
_as_dict = models.FakeJobRun.as_dict


def init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    final = (self.arguments or {}).get("--fake-final-state")
    self.fake_error = None
    if final in FINAL_STATES:
        self._transitions = [("STARTING", "RUNNING"), ("RUNNING", final)]
        if final != "STOPPED":
            self.fake_error = "An error occurred while calling o97.parquet. Job %s ended %s (stepd test fake)" % (
                self.job_name, final)


def as_dict(self):
    d = _as_dict(self)
    if self.fake_error is not None and d.get("JobRunState") in FINAL_STATES:
        d["ErrorMessage"] = self.fake_error
    return d


models.FakeJobRun.__init__ = init
models.FakeJobRun.as_dict = as_dict

if __name__ == "__main__":
    main(sys.argv[1:])
