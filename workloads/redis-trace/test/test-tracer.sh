#!/bin/bash
# Round trip of the tracer: trace tracer-prog (known calls from two threads
# around a fork) and compare the trace with the program's own log.
# The raw trace (ids resolved by the reader) and its packed form must match.
# The traced program has a time limit (timeout -k 5 120).
#   test-tracer.sh TRACER PROG CHECK TRACE_TOOL
set -euo pipefail
TRACER=$(realpath "$1"); PROG=$2; CHECK=$3; TOOL=$4
T=$(mktemp -d /tmp/trace-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
timeout -k 5 120 env ALLOCTRACE_OUT="$T/prog.trc" LD_PRELOAD="$TRACER" "$PROG" "$T/prog.log"
"$CHECK" "$T/prog.trc" "$T/prog.log"
"$TOOL" pack "$T/prog.trc" "$T/packed.trc"
"$CHECK" "$T/packed.trc" "$T/prog.log"
# A corrupted log must make the check fail (the check can fail).
sed '3s/ [0-9]* 0x/ 999 0x/' "$T/prog.log" > "$T/bad.log"
if "$CHECK" "$T/prog.trc" "$T/bad.log" 2>/dev/null; then echo "test-tracer: check accepted a wrong log" >&2; exit 1; fi
echo "trace-test-tracer: ok"
