#!/bin/bash
# demo-check.sh BUILD_DIR: runs the `make demo` tour and checks what it promises: it
# succeeds, the hourly limit of 12 lets exactly 12 messages out, each one a complete
# message on disk, and both servers it started are stopped again.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
out=$(bash "$root/etc/demo/demo.sh" "$build" 2>&1)
rc=$?
printf '%s\n' "$out"
fail() { echo "demo-check: $*" >&2; exit 1; }
[ "$rc" = 0 ] || fail "the demo exited $rc"
grep -q '^== 12 messages delivered' <<<"$out" || fail "the demo did not deliver 12 messages"
grep -q '46 queued, 3 skipped for an invalid address, 1 suppressed' <<<"$out" \
    || fail "queue-enqueue's summary is not the expected one"
n=$(grep -l '^Subject: A quick idea for Customer' "$build"/demo/mail/* | wc -l)
[ "$n" = 12 ] || fail "$n messages with the rendered subject on disk, expected 12"
[ ! -e "$build/demo-pg/data/postmaster.pid" ] || fail "the demo's PostgreSQL is still running"
! pgrep -f "smtp-sink.*$build/demo/mail" >/dev/null || fail "the demo's smtp-sink is still running"
echo "demo-check: ok"
