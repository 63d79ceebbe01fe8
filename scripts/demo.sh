#!/bin/sh
# Sets everything up and runs the demo workflow: installs missing Debian
# packages, builds stepd, validates and runs examples/order-pipeline with its
# mocked Task states, keeping the execution and its history in a SQLite file.
set -eu
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target stepd
ex=examples/order-pipeline
echo "== stepd validate $ex/order-pipeline.asl.json" >&2
build/stepd validate $ex/order-pipeline.asl.json >/dev/null && echo "valid" >&2
echo "== stepd run (test case HappyPath, history in build/demo.db)" >&2
rm -f build/demo.db build/demo.db-wal build/demo.db-shm
build/stepd run $ex/order-pipeline.asl.json --input-file $ex/input.json \
  --mock-config $ex/mock-config.json --test-case HappyPath \
  --db build/demo.db --history build/demo-history.json --wait-scale 0
echo "== history: $(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))["events"]))' build/demo-history.json) events in build/demo-history.json" >&2
echo "== the same workflow when the payment service keeps failing (test case PaymentDown)" >&2
build/stepd run $ex/order-pipeline.asl.json --input-file $ex/input.json \
  --mock-config $ex/mock-config.json --test-case PaymentDown --wait-scale 0 || echo "exit status $?" >&2
