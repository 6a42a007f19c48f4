#!/bin/bash
# deb-test.sh BUILD_DIR: builds the Debian package from BUILD_DIR into a scratch folder
# (what `make deb` does, without touching BUILD_DIR's own package) and checks it with
# deb-check.sh. The ctest deb.check; `make deb-check` checks the package of `make deb`.
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$build"
cpack -G DEB -B "$out" -D CPACK_INSTALL_PREFIX=/usr -D CPACK_STRIP_FILES=ON >"$out/cpack.log" 2>&1 ||
    { cat "$out/cpack.log" >&2; echo "deb-test: cpack failed" >&2; exit 1; }
bash "$here/deb-check.sh" "$(ls "$out"/emailqueue_*.deb)"
