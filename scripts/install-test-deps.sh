#!/usr/bin/env bash
# Debian packages the tests need, installed only when missing (idempotent).
#   chromium: e2e tests (playwright-core drives /usr/bin/chromium; never `npx playwright install`)
#   sqlite3:  the e2e test tampers with the database through the sqlite3 CLI, as an attacker would
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
