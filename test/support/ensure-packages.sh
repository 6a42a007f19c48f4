#!/bin/sh
# ensure-packages.sh PACKAGE...
# Installs the Debian packages that are missing (as root), or prints the exact
# command that would install them and fails (as any other user).
set -eu

missing=""
for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
    echo "emailqueue: missing Debian packages:$missing" >&2
    echo "hint: run as root: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi

echo "emailqueue: installing missing Debian packages:$missing" >&2
# postfix asks how to configure itself; the tests only use its smtp-sink program.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
