#!/bin/bash
# install-check.sh BUILD_DIR: `make install` into a throwaway DESTDIR, twice.
# Checks the programs, man pages, migrations and example configuration land where they
# belong, that the installed queue-admin finds the installed migrations by default, and
# that a second install keeps an edited configuration.
set -euo pipefail
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "install-check: $*" >&2; exit 1; }

DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
for f in usr/bin/queue-enqueue usr/bin/queue-process usr/bin/queue-admin \
         usr/share/man/man1/queue-admin.1 usr/share/man/man1/queue-enqueue.1 \
         usr/share/man/man1/queue-process.1 usr/share/man/man5/emailqueue.yaml.5 \
         usr/share/emailqueue/sql/001_base_schema.sql etc/emailqueue/emailqueue.yaml \
         usr/share/doc/emailqueue/examples/cron.d/emailqueue \
         usr/share/doc/emailqueue/examples/logrotate.d/emailqueue \
         usr/share/doc/emailqueue/examples/systemd/emailqueue-process.timer; do
    [ -e "$root/$f" ] || fail "missing after install: /$f"
done
for p in queue-enqueue queue-process queue-admin; do
    "$root/usr/bin/$p" --version | grep -q "^$p (emailqueue) " || fail "$p --version"
done
# Every migration is installed where the installed queue-admin looks first
# (../share/emailqueue/sql beside the program; see db/migrate.hpp).
[ "$(ls "$root/usr/share/emailqueue/sql"/*.sql | wc -l)" = "$(ls "$(dirname "$0")/../../sql"/*.sql | wc -l)" ] ||
    fail "not every migration was installed"
# The worker's grants, for the database owner (docs/operations.md).
[ -f "$root/usr/share/emailqueue/sql/roles/queue-process.sql" ] ||
    fail "missing after install: /usr/share/emailqueue/sql/roles/queue-process.sql"

# An edited configuration survives a second install.
echo "# edited" >>"$root/etc/emailqueue/emailqueue.yaml"
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
tail -n 1 "$root/etc/emailqueue/emailqueue.yaml" | grep -q "^# edited$" ||
    fail "a second install overwrote /etc/emailqueue/emailqueue.yaml"
echo "install-check: ok"
