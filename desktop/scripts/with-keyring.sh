#!/usr/bin/env bash
# Runs its arguments (e.g. `vitest run`) where keytar can reach a Secret Service.
#
# With no D-Bus session (headless Linux, CI containers) and dbus-run-session installed, it starts a
# private session bus and a gnome-keyring-daemon whose login keyring is unlocked with a throwaway
# password (an EMPTY password does not unlock it), kept in a temporary data folder so a developer's
# real keyrings are never touched. Otherwise (a desktop session, macOS, no dbus-run-session) it
# runs the arguments directly. Debian packages: gnome-keyring dbus dbus-x11 libsecret-1-dev
# (scripts/install-system-deps.sh installs them).
set -euo pipefail

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null 2>&1; then
  keyring_home="$(mktemp -d "${TMPDIR:-/tmp}/datacrypt-keyring.XXXXXX")"
  status=0
  dbus-run-session -- bash -c '
    keyring_home="$1"; shift
    echo -n "datacrypt-test" |
      XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"' _ "$keyring_home" "$@" || status=$?
  rm -rf "$keyring_home"
  exit "$status"
fi
exec "$@"
