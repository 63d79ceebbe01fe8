#!/bin/sh
# Sets everything up and runs the whole test suite: installs missing Debian
# packages, builds stepd plainly and with AddressSanitizer +
# UndefinedBehaviorSanitizer, and runs ctest on both builds.
#   scripts/test.sh            both builds
#   SD_TEST_QUICK=1 scripts/test.sh   the plain build only
set -eu
cd "$(dirname "$0")/.."
scripts/setup-debian.sh --test
JOBS=$(nproc 2>/dev/null || echo 2)

run_build() {
  dir=$1
  shift
  cmake -S . -B "$dir" -DSD_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
  (cd "$dir" && ctest --output-on-failure -j "$JOBS")
}

# Formatting, where Debian's clang-format 14 is installed (CI images have
# it; a bare machine skips the check rather than install a compiler suite).
if command -v clang-format >/dev/null 2>&1; then
  git ls-files '*.c' '*.h' 2>/dev/null | xargs -r clang-format --dry-run --Werror
else
  echo "test: clang-format not installed, format check skipped" >&2
fi

run_build build
if [ -z "${SD_TEST_QUICK:-}" ]; then
  # gcc's sanitizer runtimes come with build-essential on Debian (clang's
  # need libclang-rt-14-dev), so the sanitized build uses gcc.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_build build-asan -DCMAKE_C_COMPILER=gcc -DSD_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug
fi
echo "all tests passed"
