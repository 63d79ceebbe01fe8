#!/bin/sh
# Builds a Release stepd in build-bench/ and runs bench/serve.py (the
# `stepd serve` benchmarks: StartExecution/s, memory per parked execution,
# DescribeExecution latency). Installs Debian's wrk when missing and root.
#   bench/serve.sh                    # all, ~2 minutes
#   bench/serve.sh --only start --duration 20
set -eu
cd "$(dirname "$0")/.."
build=${SD_BENCH_BUILD:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target stepd >"$build/bench-build.log" 2>&1 || {
  tail -30 "$build/bench-build.log" >&2
  exit 2
}
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y wrk >/dev/null 2>&1 || { echo "serve.sh: could not install wrk" >&2; exit 2; }
  else
    echo "serve.sh: wrk is missing (apt-get install wrk)" >&2
    exit 2
  fi
fi
exec python3 bench/serve.py --stepd "$build/stepd" "$@"
