#!/usr/bin/env bash
# Debian packages the tests need, installed only when missing (idempotent).
#   chromium        e2e tests (playwright-core drives /usr/bin/chromium; never `npx playwright install`)
#   sqlite3         the e2e test tampers with the database through the sqlite3 CLI, as an attacker would
#   libsecret-1-dev keytar builds from source against it (npm ci)
#   gnome-keyring, dbus   a real Secret Service for the keychain tests (scripts/with-keyring.sh)
#   postgresql      the sync server's storage suite also runs against PostgreSQL (scripts/pg-test.sh)
#   haproxy         the cluster test runs 3 server instances behind deploy/haproxy/maestro.cfg
#                   (/usr/sbin/haproxy: not on every non-root PATH, so both are checked)
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
dpkg -s libsecret-1-dev >/dev/null 2>&1 || need+=(libsecret-1-dev)
command -v gnome-keyring-daemon >/dev/null 2>&1 || need+=(gnome-keyring)
command -v dbus-run-session >/dev/null 2>&1 || need+=(dbus dbus-x11)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
