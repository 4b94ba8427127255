#!/bin/bash
# Replay the tiny committed trace, and a synthetic two-thread trace with
# cross-thread frees, under every allocator present. Every run must succeed,
# run under the allocator it names, and reach the same (allocator-independent)
# event count and final live bytes. Each replay has a time limit
# (timeout -k 5 120: SIGTERM to its process group, SIGKILL 5 s later).
#   test-replay.sh REPLAY TINY_TRACE TRACE_TOOL
set -euo pipefail
REPLAY=$1; TINY=$2; TOOL=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/allocators.sh"
T=$(mktemp -d /tmp/trace-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

# Two threads: thread 0 allocates, thread 1 reallocs and frees thread 0's blocks.
{
    echo "phase"
    for i in $(seq 1 300); do
        echo "0 malloc $((i * 13 % 5000 + 1)) $i 0x1000 0"
        [ $((i % 3)) = 0 ] && echo "1 realloc $((i * 7)) $((i - 1)) 0x2000 0"
        [ $((i % 2)) = 0 ] && echo "1 free 0 $((i - 2)) 0x1000 0"
    done
    echo "phase"
    echo "0 posix_memalign 100 1000 0x4000 64"
    echo "1 malloc_usable_size 100 1000 0x4000 0"
    echo "1 free 0 1000 0x4000 0"
} > "$T/mt.txt"
"$TOOL" from-text "$T/mt.txt" "$T/mt.trc"

fail=0
ref_tiny=; ref_mt=
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
while read -r name pre envs; do
    for spec in "tiny $TINY" "mt $T/mt.trc" "mt1 $T/mt.trc --threads 1"; do
        set -- $spec
        kind=$1; trace=$2; shift 2
        rc=0
        out=$(rt_run "$name" "$pre" "$envs" timeout -k 5 120 "$REPLAY" "$@" "$trace" 2>"$T/err") || rc=$?
        if [ "$rc" -ne 0 ]; then
            why="exit status $rc"; [ "$rc" -eq 124 ] && why="timed out after 120 s"
            echo "trace-test-replay: $name $kind: replay failed ($why): $(tail -n 1 "$T/err")" >&2; fail=1; continue
        fi
        file=$(sed -n 's/^ALLOCBENCH allocator file=//p' <<<"$out")
        want=$(realpath /lib/x86_64-linux-gnu/libc.so.6); [ "$pre" != - ] && want=$(realpath "$pre")
        if [ "$(realpath "$file")" != "$want" ]; then
            echo "trace-test-replay: $name $kind: ran under $file, expected $want" >&2; fail=1
        fi
        res=$(grep '^ALLOCBENCH result' <<<"$out" || true)
        [ "$(grep -c '^ALLOCBENCH result' <<<"$out")" = 1 ] || { echo "trace-test-replay: $name $kind: not exactly one result line" >&2; fail=1; continue; }
        sig="events=$(field events "$res") final_live=$(field final_live "$res") unknown=$(field unknown_frees "$res")"
        case $kind in
            tiny) ref=$ref_tiny ;;
            *) ref=$ref_mt ;;
        esac
        if [ -z "$ref" ]; then
            [ "$kind" = tiny ] && ref_tiny=$sig || ref_mt=$sig
        elif [ "$sig" != "$ref" ]; then
            echo "trace-test-replay: $name $kind: $sig differs from $ref" >&2; fail=1
        fi
        printf '  %-10s %-4s threads=%s %s replay_time=%ss\n' "$name" "$kind" "$(field threads "$res")" "$sig" "$(field value "$res")"
    done
done < <(rt_allocators)
# Expected figures from the trace tool's own accounting.
st=$("$TOOL" stats "$T/mt.trc")
want_live=$(sed -n 's/.*live at end: \([0-9]*\).*/\1/p' <<<"$st")
want_unk=$(awk '/unknown-id frees/ { print $3 }' <<<"$st")
case "$ref_mt " in *" final_live=$want_live unknown=$want_unk "*) ;;
    *) echo "trace-test-replay: two-thread trace: expected final_live=$want_live unknown=$want_unk, got $ref_mt" >&2; fail=1 ;; esac
[ "$fail" = 0 ] && echo "trace-test-replay: ok"
exit "$fail"
