#!/bin/bash
# capture.sh: `make trace`. Start Debian's redis-server on 127.0.0.1 under
# the allocation tracer, run the five-phase scenario (scenario.sh), stop the
# server cleanly and install the trace as the default trace.
#
#   capture.sh TRACER GEN TRACE_TOOL OUT.trc [STATS.csv]
set -euo pipefail
TRACER=$(realpath "$1"); GEN=$(realpath "$2"); TOOL=$(realpath "$3"); OUT=$4; STATS=${5:-}
HERE=$(cd "$(dirname "$0")" && pwd)

WORK=$(mktemp -d /tmp/redis-capture.XXXXXX)
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -9 "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ALLOCTRACE_OUT="$WORK/redis.trc" LD_PRELOAD="$TRACER" \
    redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
                 --daemonize no --logfile "$WORK/redis.log" &
PID=$!
for _ in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG && break
    kill -0 "$PID" 2>/dev/null || { echo "capture: redis-server did not start; see its log:" >&2; tail -n 5 "$WORK/redis.log" >&2; exit 1; }
    sleep 0.1
done
grep -q "$(basename "$TRACER")" "/proc/$PID/maps" || { echo "capture: the tracer is not loaded in redis-server" >&2; exit 1; }

[ -n "$STATS" ] && rm -f "$STATS"
PORT=$PORT SERVER_PID=$PID GEN=$GEN WORK=$WORK MARK=1 STATS_CSV=$STATS ALLOC_LABEL=jemalloc-traced \
    "$HERE/scenario.sh"

# SIGTERM: redis-server exits through exit(), so the tracer writes its end block.
kill "$PID"
for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then echo "capture: redis-server did not stop" >&2; exit 1; fi
wait "$PID" 2>/dev/null || true
PID=
"$TOOL" stats "$WORK/redis.trc" > "$WORK/stats.txt"
mkdir -p "$(dirname "$OUT")"
# The tracer writes stored blocks; compress them now.
"$TOOL" pack "$WORK/redis.trc" "$OUT.tmp" 9 && mv "$OUT.tmp" "$OUT"
head -n 3 "$WORK/stats.txt"
echo "capture: wrote $OUT ($(stat -c %s "$OUT") bytes)"
