"""moto's server with failing Glue job runs (tests/fakes/moto_glue_outcomes.py)
on a free loopback port, for the Glue and ETL pipeline tests, and the
environment stepd runs with against it. Tests skip (exit 77) where moto is
not importable, with the way to install it."""
import os
import sys

from aws_servers import CLEAN_ENV, MOTO_HINT, Moto

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FAKE = os.path.join(ROOT, "tests", "fakes", "moto_glue_outcomes.py")

try:
    import boto3  # noqa: F401
    import moto  # noqa: F401
    HAVE_MOTO = True
except ImportError:
    HAVE_MOTO = False


def skip_without_moto():
    if not HAVE_MOTO:
        print("skipping: " + MOTO_HINT, file=sys.stderr)
        raise SystemExit(77)


class Emulator(Moto):
    def __init__(self):
        super().__init__(command=[sys.executable, FAKE])

    def env(self, **extra):
        """stepd's environment: this endpoint, dummy credentials, no profile, quick .sync polls."""
        return dict(CLEAN_ENV, AWS_ENDPOINT_URL=self.url, STEPD_GLUE_POLL_SECONDS="0.05", **extra)
