#!/bin/bash
# deb-check.sh DEB: checks a built emailqueue .deb for Debian 12 without touching the
# system: its metadata and runtime dependencies, its contents, that apt would install
# it (apt-get --simulate), and that its programs are stripped and run from an unpacked copy.
set -euo pipefail
deb=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "deb-check: $*" >&2; exit 1; }

info=$(dpkg-deb --info "$deb")
for dep in libpq5 libcurl4 libfmt9 libyaml-cpp0.7 libssl3 adduser; do
    echo "$info" | grep -E "^ Depends:.*\b$dep\b" >/dev/null || fail "Depends lacks $dep"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -qx './conffiles' || fail "no conffiles"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/emailqueue/emailqueue.yaml ||
    fail "the configuration is not a conffile"
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/queue-enqueue ./usr/bin/queue-process ./usr/bin/queue-admin \
         ./usr/share/man/man1/queue-process.1 ./usr/share/man/man5/emailqueue.yaml.5 \
         ./usr/share/emailqueue/sql/001_base_schema.sql ./etc/emailqueue/emailqueue.yaml \
         ./usr/share/doc/emailqueue/examples/systemd/emailqueue-process.service; do
    echo "$contents" | grep -q " $f\$" || fail "missing from the package: $f"
done
if [ "$(id -u)" = 0 ]; then
    apt-get install --simulate -q "$(realpath "$deb")" >"$root/apt.log" 2>&1 ||
        { cat "$root/apt.log" >&2; fail "apt would not install it"; }
fi
dpkg-deb -x "$deb" "$root/unpacked"
for p in queue-enqueue queue-process queue-admin; do
    "$root/unpacked/usr/bin/$p" --version | grep -q "^$p (emailqueue) " || fail "$p --version"
    ! file -b "$root/unpacked/usr/bin/$p" | grep -q 'not stripped' || fail "$p is not stripped"
done
echo "deb-check: ok: $deb"
