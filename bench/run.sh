#!/bin/sh
# The benchmark in one command: builds a Release stepd and bench/sqlite_insert
# in build-bench/, installs the peer (bench/peer, npm), then runs bench/run.py
# with any arguments given here (bench/run.py --help lists them).
#   bench/run.sh                      # everything, ~2 minutes on 2 cores
#   bench/run.sh --skip moto,peer     # stepd and the SQLite yardstick only
set -eu
cd "$(dirname "$0")/.."
build=${SD_BENCH_BUILD:-build-bench}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target stepd >"$build/bench-build.log" 2>&1 || {
  tail -30 "$build/bench-build.log" >&2
  echo "run.sh: stepd did not build (log: $build/bench-build.log)" >&2
  exit 2
}
# The yardstick is optional: run.py says so when it is missing.
cmake --build "$build" -j2 --target sqlite_insert >>"$build/bench-build.log" 2>&1 ||
  echo "run.sh: bench/sqlite_insert did not build; its comparison is skipped" >&2

if command -v npm >/dev/null 2>&1 && [ ! -f bench/peer/node_modules/aws-local-stepfunctions/package.json ]; then
  (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error) ||
    echo "run.sh: npm ci failed in bench/peer; the peer is skipped" >&2
fi
# GNU time measures peak RSS (%M); Debian's package is "time".
if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y time >/dev/null 2>&1 || echo "run.sh: could not install GNU time; no peak RSS" >&2
fi

exec python3 bench/run.py --stepd "$build/stepd" --sqlite-insert "$build/bench/sqlite_insert" "$@"
