#!/usr/bin/env bash
# layering-check.sh SOURCE_DIR: fails when a file of lib/ or apps/ includes a header of a
# layer above its own. The layers are the block after "<!-- layers -->" in
# ARCHITECTURE.md, top layer first, one line a layer, the folders of a layer separated by
# spaces: a folder may include its own headers and those of the layers below it, never
# those of its own layer's other folders or of a layer above. Every folder of lib/ must
# be in the picture. `layering-check.sh --self-test SOURCE_DIR` checks that the check
# catches an upward include (in a scratch copy).
set -euo pipefail

if [ "${1:-}" = "--self-test" ]; then
    src=$2
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    cp -r "$src/lib" "$src/apps" "$src/ARCHITECTURE.md" "$scratch/"
    bash "$0" "$scratch" >/dev/null || { echo "self-test: the tree itself fails the check"; exit 1; }
    # util, the bottom layer, reaching up into the configuration.
    printf '#include "config/config.hpp"\n' >>"$scratch/lib/util/strings.hpp"
    if out=$(bash "$0" "$scratch" 2>&1); then
        echo "self-test: an upward include (util -> config) was not caught"
        exit 1
    fi
    grep -q 'lib/util/strings.hpp:.*util includes config/config.hpp' <<<"$out" ||
        { echo "self-test: unexpected report: $out"; exit 1; }
    echo "self-test: ok"
    exit 0
fi

src=${1:?usage: layering-check.sh SOURCE_DIR}
layers=$(awk '/<!-- layers -->/ { on = 1; next } on && /^```/ { if (fence++) exit; next }
              on && fence && NF { print }' "$src/ARCHITECTURE.md")
[ -n "$layers" ] || { echo "ARCHITECTURE.md has no <!-- layers --> block"; exit 1; }

cd "$src"
# One line an include: "lib/policy/budget.hpp:7:#include "throttle/x.hpp"".
{
    echo "$layers"
    echo "--folders--"
    ls -d lib/*/ | sed -E 's|lib/(.*)/|\1|'
    echo "--includes--"
    grep -rnoE '^#include "[a-z_]+/[^"]+"' lib apps --include='*.cpp' --include='*.hpp' | sort
} | awk '
    # The block lists the top layer first: a larger number is a lower layer.
    section == 0 && $0 == "--folders--" { section = 1; next }
    section == 1 && $0 == "--includes--" { section = 2; next }
    section == 0 { n++; for (i = 1; i <= NF; i++) layer[$i] = n; next }
    section == 1 {
        if (!($0 in layer)) { print "lib/" $0 " is not in ARCHITECTURE.md'\''s layers"; bad = 1 }
        next
    }
    {
        split($0, part, ":")
        file = part[1]; line = part[2]
        header = $0; sub(/^[^:]*:[^:]*:#include "/, "", header); sub(/"$/, "", header)
        split(file, dirs, "/"); from = dirs[1] == "apps" ? "apps" : dirs[2]
        to = header; sub(/\/.*/, "", to)
        if (to == from || !(from in layer) || !(to in layer)) next # generated/, our own
        if (layer[to] <= layer[from]) {
            print file ":" line ": " from " includes " header ", from a layer not below its own"
            bad = 1
        }
    }
    END {
        if (!bad) print "layering: every include points down"
        exit bad
    }'
