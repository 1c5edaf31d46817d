#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret Service
# for keytar), in a throwaway keyring directory. Without dbus-run-session the command runs as is.
set -euo pipefail
if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec "$@"
fi
XDG_DATA_HOME="$(mktemp -d)"
export XDG_DATA_HOME
exec dbus-run-session -- bash -c 'eval "$(printf %s maestro-test-keyring | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"; export GNOME_KEYRING_CONTROL; exec "$@"' keyring "$@"
