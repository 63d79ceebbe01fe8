#!/bin/sh
# Runs the nightly ETL workflow (examples/etl-pipeline) end to end against
# moto's server on loopback: CheckSourceData and CheckETLStatus (Lambda),
# the nightly-etl Glue job (.sync), the nightly-catalog-crawler (aws-sdk:glue)
# and the SNS topics. Shows what `stepd validate` says about the seed's
# original definition, the calls as they happen (--log-level info), the
# output, and the messages the topics delivered. Then runs it once more with
# a Glue job run that FAILS (tests/fakes/moto_glue_outcomes.py: moto plus the
# failing job runs moto lacks) to show the Catch routing to the alert.
#
# Needs moto's server (pip install 'moto[server]'; Debian has no package).
# Builds stepd into build/ when it is not there.
set -eu
cd "$(dirname "$0")/.."
ex=examples/etl-pipeline
PY=${PYTHON:-python3}
if ! command -v moto_server >/dev/null 2>&1; then
  echo "moto_server is not installed: pip install 'moto[server]' (Debian has no package), then run $0 again" >&2
  exit 77
fi
if [ ! -x build/stepd ]; then
  cmake -S . -B build >/dev/null
  cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target stepd
fi

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# Starts an emulator ($1: a command) on a free loopback port; sets $endpoint.
start_emulator() {
  port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$@" -H 127.0.0.1 -p "$port" >"build/demo-moto-$port.log" 2>&1 &
  pids="$pids $!"
  endpoint="http://127.0.0.1:$port"
  i=0
  until $PY -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1] + '/moto-api/', timeout=1)" "$endpoint" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then echo "the emulator did not start (build/demo-moto-$port.log)" >&2; exit 1; fi
    sleep 0.1
  done
}

# stepd sees only the emulator: dummy credentials, no profile.
run_stepd() {
  env AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_DEFAULT_REGION=us-east-1 AWS_PROFILE= AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
    STEPD_GLUE_POLL_SECONDS=0.5 build/stepd "$@"
}

echo "== stepd validate $ex/seed-etl-pipeline.asl.json (the seed's definition as written)" >&2
build/stepd validate $ex/seed-etl-pipeline.asl.json || echo "(exit status $?: AWS rejects it too)" >&2
echo "== stepd validate $ex/etl-pipeline.asl.json (corrected: aws-sdk:glue:startCrawler with Name)" >&2
build/stepd validate $ex/etl-pipeline.asl.json >/dev/null && echo "valid" >&2

echo "== moto_server on loopback, with the pipeline's function, job, crawler and topics" >&2
start_emulator moto_server
$PY $ex/emulator.py setup "$endpoint" --scenario success
echo "== stepd run $ex/etl-pipeline.asl.json against $endpoint" >&2
run_stepd run $ex/etl-pipeline.asl.json --input-file $ex/input.json --log-level info
echo "== what the topics delivered, and the crawler" >&2
$PY $ex/emulator.py inbox "$endpoint"

echo "== once more, with a Glue job run that FAILS: the Catch routes to the alert" >&2
start_emulator $PY tests/fakes/moto_glue_outcomes.py
$PY $ex/emulator.py setup "$endpoint" --scenario job-fails
run_stepd run $ex/etl-pipeline.asl.json --input-file $ex/input.json --log-level info || echo "exit status $? (FAILED, as the workflow's Fail state says)" >&2
$PY $ex/emulator.py inbox "$endpoint"
