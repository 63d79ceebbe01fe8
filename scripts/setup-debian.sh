#!/bin/sh
# Installs the Debian packages stepd needs to build and test, only those missing.
# Idempotent: a second run installs nothing. Needs root (or sudo) only when
# something is missing.
set -eu
PKGS="build-essential cmake pkg-config libjansson-dev libuv1-dev libsqlite3-dev \
libcurl4-openssl-dev libmicrohttpd-dev libssl-dev python3 ca-certificates tzdata"
if [ "${1:-}" = "--test" ]; then
  PKGS="$PKGS python3-boto3 awscli"
fi
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
