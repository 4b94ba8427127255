#!/bin/bash
# make-tiny.sh: build the tiny committed trace used by smoke runs and tests
# (`make trace-tiny`): capture the scenario at SCALE=5 (200 keys), then drop
# the start-up events of objects that no later phase touches (Redis's shared
# objects), so that a replay takes a few milliseconds.
#   make-tiny.sh TRACER GEN TRACE_TOOL OUT.trc
set -euo pipefail
TRACER=$1; GEN=$2; TOOL=$3; OUT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/trace-tiny.XXXXXX)
trap 'rm -rf "$T"' EXIT
SCALE=5 "$HERE/capture.sh" "$TRACER" "$GEN" "$TOOL" "$T/full.trc" > /dev/null
"$TOOL" dump "$T/full.trc" > "$T/full.txt"
awk 'NR == FNR { if ($1 == "phase") ph++; else if (ph > 0 && $4 != 0) used[$4] = 1; next }
     /^#/ { next }
     $1 == "phase" { ph2++; print; next }
     ph2 > 0 || used[$4] { print $1, $2, $3, $4, $5, $6 }' "$T/full.txt" "$T/full.txt" > "$T/tiny.txt"
"$TOOL" from-text "$T/tiny.txt" "$T/tiny.trc"
"$TOOL" pack "$T/tiny.trc" "$OUT" 9
echo "make-tiny: wrote $OUT ($(stat -c %s "$OUT") bytes, $(grep -vc '^phase' "$T/tiny.txt") events)"
