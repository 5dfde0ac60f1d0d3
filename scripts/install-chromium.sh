#!/usr/bin/env bash
# Chromium for the browser tests (tests/browser/, driven by playwright-core): Debian's `chromium`
# package at /usr/bin/chromium, installed only when it is missing. Needs Debian (apt-get) and root
# or sudo; fails loudly otherwise, and when the installed browser does not start.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "install-chromium: already installed: $("$CHROMIUM" --version)"
  exit 0
fi

fail() {
  echo "install-chromium: $*" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 ||
  fail "$CHROMIUM is missing and apt-get is not available: on another system install Chromium yourself and set CHROMIUM_PATH for the browser tests"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "$CHROMIUM is missing; installing it needs root or sudo"
  SUDO=(sudo)
fi

echo "install-chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update || fail "apt-get update failed"
"${SUDO[@]}" apt-get install -y chromium || fail "apt-get install chromium failed"

[ -x "$CHROMIUM" ] ||
  fail "the chromium package did not provide $CHROMIUM (on Ubuntu it is a snap shim; use Debian or set CHROMIUM_PATH)"
version=$("$CHROMIUM" --version) || fail "$CHROMIUM --version failed"
echo "install-chromium: installed: $version"
