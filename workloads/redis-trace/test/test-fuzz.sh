#!/bin/bash
# Bounded libFuzzer run on the trace reader, seeded with small traces built
# from fuzz-seeds/*.txt and a cut of the tiny trace. The fuzzer stops itself
# after SECONDS; a time limit of SECONDS + 120 (timeout -k 10) bounds it
# should it not.
#   test-fuzz.sh FUZZER TINY_TRACE TRACE_TOOL [SECONDS]
set -euo pipefail
FUZZ=$1; TINY=$2; TOOL=$3; SECS=${4:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/trace-fuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/corpus"
for s in "$HERE"/fuzz-seeds/*.txt; do "$TOOL" from-text "$s" "$T/corpus/$(basename "$s" .txt).trc"; done
# The tiny trace's first block only, with a valid end block: too big otherwise.
"$TOOL" dump "$TINY" > "$T/full.txt"
head -n 300 "$T/full.txt" | grep -v "^#" > "$T/cut.txt"
"$TOOL" from-text "$T/cut.txt" "$T/corpus/cut.trc"
# Inputs that fail are kept under build/ (ignored), not in the working directory.
ART=build/redis-trace/fuzz-artifacts
mkdir -p "$ART"
timeout -k 10 $((SECS + 120)) "$FUZZ" -max_total_time="$SECS" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$ART/" "$T/corpus" > "$T/log" 2>&1 ||
    { tail -n 30 "$T/log" >&2; echo "trace-test-fuzz: the fuzzer found a failure (input kept in $ART)" >&2; exit 1; }
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/log")
echo "trace-test-fuzz: ok (${SECS} s, ${runs:-?} inputs, no crash)"
