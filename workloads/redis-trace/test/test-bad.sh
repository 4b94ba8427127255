#!/bin/bash
# Bad input: truncated, corrupt, unknown-version and non-trace files give one
# line on stderr and a non-zero exit (never a crash) in the replayer and the
# trace tool; a free of an unknown id is counted and reported. Every run
# has a time limit (timeout -k 5 60; a run that hits it fails).
#   test-bad.sh REPLAY TRACE_TOOL TINY_TRACE
set -uo pipefail
REPLAY=$1; TOOL=$2; TINY=$3
T=$(mktemp -d /tmp/trace-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
size=$(stat -c %s "$TINY")
head -c $((size - 100)) "$TINY" > "$T/trunc-tail.trc"
head -c $((size / 2)) "$TINY" > "$T/trunc-mid.trc"
head -c 20 "$TINY" > "$T/trunc-head.trc"
cp "$TINY" "$T/corrupt.trc"
printf '\x55' | dd of="$T/corrupt.trc" bs=1 seek=$((size / 3)) conv=notrunc status=none
cp "$TINY" "$T/version.trc"
printf '\x02' | dd of="$T/version.trc" bs=1 seek=8 conv=notrunc status=none
: > "$T/empty.trc"
printf 'hello, this is not a trace\n' > "$T/text.trc"

expect_error() { # expect_error NAME PATTERN CMD...: non-zero exit, no signal, one stderr line matching PATTERN
    local name=$1 pat=$2; shift 2
    timeout -k 5 60 "$@" > "$T/out" 2> "$T/err"
    local rc=$?
    local lines
    lines=$(wc -l < "$T/err")
    if [ "$rc" = 124 ]; then
        echo "trace-test-bad: $name: timed out after 60 s" >&2
        fail=1
    elif [ "$rc" = 0 ] || [ "$rc" -ge 128 ] || [ "$lines" != 1 ] || ! grep -q "$pat" "$T/err"; then
        echo "trace-test-bad: $name: rc=$rc, $lines stderr lines: $(head -c 300 "$T/err")" >&2
        fail=1
    else
        printf '  %-34s rc=%d  %s\n' "$name" "$rc" "$(cat "$T/err")"
    fi
}
for prog in replay tool; do
    if [ $prog = replay ]; then cmd=("$REPLAY"); else cmd=("$TOOL" stats); fi
    expect_error "$prog truncated (tail)" 'truncated' "${cmd[@]}" "$T/trunc-tail.trc"
    expect_error "$prog truncated (middle)" 'truncated' "${cmd[@]}" "$T/trunc-mid.trc"
    expect_error "$prog truncated (header)" 'truncated' "${cmd[@]}" "$T/trunc-head.trc"
    expect_error "$prog corrupt block" 'corrupt' "${cmd[@]}" "$T/corrupt.trc"
    expect_error "$prog unknown version" 'unsupported trace version 2' "${cmd[@]}" "$T/version.trc"
    expect_error "$prog empty file" 'empty' "${cmd[@]}" "$T/empty.trc"
    expect_error "$prog not a trace" 'bad magic' "${cmd[@]}" "$T/text.trc"
    expect_error "$prog missing file" 'cannot open' "${cmd[@]}" "$T/nonexistent.trc"
done
expect_error "replay --threads 0" 'threads' "$REPLAY" --threads 0 "$TINY"
expect_error "replay unknown option" 'unknown option' "$REPLAY" --frobnicate "$TINY"
expect_error "replay no trace" 'no trace' "$REPLAY"
expect_error "tool bad event line" 'bad event line' "$TOOL" from-text <(echo "0 mallocc 10 1") "$T/x.trc"

# Frees of unknown ids: counted, reported, no crash.
printf '0 malloc 100 1 0x10 0\n0 free 0 77 0x20 0\n0 free 0 1 0x10 0\n0 free 0 1 0x10 0\n0 realloc 50 9 0x30 0\n' > "$T/unk.txt"
timeout -k 5 60 "$TOOL" from-text "$T/unk.txt" "$T/unk.trc" || fail=1
out=$(timeout -k 5 60 "$REPLAY" "$T/unk.trc" 2>&1)
if [ $? != 0 ] || ! grep -q ' unknown_frees=2 ' <<<"$out" || ! grep -q ' final_live=50 ' <<<"$out"; then
    echo "trace-test-bad: unknown frees not reported as expected: $out" >&2; fail=1
else
    echo "  unknown-id frees                   counted: unknown_frees=2 final_live=50"
fi
timeout -k 5 60 "$TOOL" stats "$T/unk.trc" > "$T/unk.stats" || { echo "trace-test-bad: trace stats failed" >&2; fail=1; }
grep -q 'unknown-id frees *2$' "$T/unk.stats" || { echo "trace-test-bad: trace stats does not report the unknown frees" >&2; fail=1; }
[ "$fail" = 0 ] && echo "trace-test-bad: ok"
exit "$fail"
