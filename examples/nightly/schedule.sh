#!/bin/sh
# The nightly ETL at 02:00, kept by `stepd serve` itself: a schedule in the
# server's database (EventBridge Scheduler's API), so neither cron nor
# systemd is needed. Run once, after `stepd serve` is up and the state
# machine `nightly-etl` exists (README.md, "Once").
#
# Each night's execution is named nightly-etl-<fire time> (for example
# nightly-etl-20261126T010000Z), which makes a night run once even when the
# server is killed around 02:00. A night missed while the server was down
# runs at its next start (--missed latest: only the last missed night).
set -eu
STEPD=${STEPD:-stepd}
export STEPD_ENDPOINT=${STEPD_ENDPOINT:-http://127.0.0.1:8083}
# Where the nights fall, before creating anything (02:00 in Paris, with
# its daylight-saving changes).
"$STEPD" schedule preview 'cron(0 2 * * ? *)' --timezone Europe/Paris --count 3
"$STEPD" schedule create nightly-etl \
  --expression 'cron(0 2 * * ? *)' --timezone Europe/Paris \
  --state-machine nightly-etl \
  --input-file "$(dirname "$0")/schedule-input.json" \
  --missed latest \
  --description 'The nightly ETL (examples/etl-pipeline)'
