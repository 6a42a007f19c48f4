#!/bin/bash
# fuzz.sh OUT_DIR SECONDS [TARGET...]
#
# Builds the libFuzzer targets of test/fuzz/ with clang (Debian: clang and
# libclang-rt-14-dev), AddressSanitizer and UndefinedBehaviorSanitizer, compiling only the
# library sources each target needs, then runs each for SECONDS over a copy of its seed
# corpus (test/fuzz/corpus/TARGET; new inputs stay in OUT_DIR, the repository's corpus is
# never written). A crash leaves its input in OUT_DIR/TARGET-crash-* and fails; turn it
# into a regression test under test/unit/ and add it to the corpus.
set -eu

out=${1:?usage: fuzz.sh OUT_DIR SECONDS [TARGET...]}
seconds=${2:?usage: fuzz.sh OUT_DIR SECONDS [TARGET...]}
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
cxx=${FUZZ_CXX:-clang++}

sources_of() {
    case $1 in
    template) echo lib/content/template.cpp lib/util/html.cpp lib/util/html_escape.cpp \
        lib/util/strings.cpp lib/util/utf8.cpp ;;
    header) echo lib/message/header.cpp lib/util/base64.cpp lib/util/strings.cpp \
        lib/util/utf8.cpp lib/util/time.cpp ;;
    address) echo lib/message/address.cpp lib/message/header.cpp lib/util/base64.cpp \
        lib/util/strings.cpp lib/util/utf8.cpp lib/util/time.cpp lib/util/uuid.cpp ;;
    fernet) echo lib/crypto/fernet.cpp lib/util/base64.cpp ;;
    config) echo lib/config/config.cpp lib/config/key_table.cpp lib/log/log.cpp \
        lib/util/json_value.cpp lib/util/json_parse.cpp lib/util/json_write.cpp \
        lib/util/strings.cpp lib/util/time.cpp lib/util/utf8.cpp ;;
    html) echo lib/util/html.cpp lib/util/html_escape.cpp lib/util/strings.cpp lib/util/utf8.cpp ;;
    json) echo lib/util/json_value.cpp lib/util/json_parse.cpp lib/util/json_write.cpp lib/util/utf8.cpp ;;
    *) echo "fuzz: unknown target '$1'" >&2; exit 2 ;;
    esac
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(template header address fernet config html json)
mkdir -p "$out"
for t in "${targets[@]}"; do
    bin="$out/$t"
    files=("test/fuzz/${t}_fuzz.cpp")
    read -r -a more <<<"$(sources_of "$t")"
    files+=("${more[@]}")
    # Rebuilt when any of its sources or the library's headers changed.
    if [ ! -x "$bin" ] || [ -n "$(cd "$src" && { find "${files[@]}" -newer "$bin"
        find lib -name '*.hpp' -newer "$bin"; } 2>/dev/null | head -1)" ]; then
        (cd "$src" && $cxx -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=undefined -Ilib "${files[@]}" \
            -lfmt -lyaml-cpp -lcrypto -o "$bin.tmp") && mv "$bin.tmp" "$bin"
    fi
    corpus="$out/$t-corpus"
    mkdir -p "$corpus"
    cp -n "$src/test/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
    echo "fuzz: $t for ${seconds}s"
    (cd "$out" && "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -artifact_prefix="$out/$t-" -print_final_stats=1 "$corpus" 2>"$out/$t.log") || {
        tail -40 "$out/$t.log" >&2
        exit 1
    }
    grep -E "^stat::number_of_executed_units" "$out/$t.log" || true
done
