#!/bin/sh
# Sets everything up and runs the demo: installs missing Debian packages,
# builds stepd, then runs the seed's nightly ETL workflow against moto's
# emulator (scripts/demo-etl.sh) when moto_server is installed; otherwise
# validates and runs examples/order-pipeline with its mocked Task states,
# keeping the execution and its history in a SQLite file.
set -eu
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target stepd
# With moto's emulator the demo is the seed's nightly ETL workflow against
# Lambda, Glue and SNS over their real protocols (scripts/demo-etl.sh).
if command -v moto_server >/dev/null 2>&1; then
  exec scripts/demo-etl.sh
fi
echo "== moto_server is not installed: showing the mocked demo. For the ETL pipeline against the AWS" >&2
echo "   emulator (Lambda, Glue, SNS), pip install 'moto[server]' (Debian has no package) and run $0 again." >&2
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
