#!/bin/bash
# live.sh: `make redis-live`. Run the five-phase scenario (scenario.sh) against
# Debian's redis-server once per allocator, a fresh server each, on 127.0.0.1.
#   glibc     LD_PRELOAD of libglibcshim.so (the binary links libjemalloc)
#   jemalloc  no preload (the binary's own libjemalloc 5.3)
#   others    LD_PRELOAD of their library (tide: Redis then uses tide's mallctl)
# Per phase it records used_memory, VmRSS of the server, mem_fragmentation_ratio,
# the phase's own command rate and a read-only redis-benchmark throughput
# (phase 5: the redis-benchmark SET/GET mix itself), in OUTDIR/live.csv.
#   live.sh SHIM GEN OUTDIR        (env SCALE, default 1000 = 40,000 keys)
set -euo pipefail
SHIM=$(realpath "$1"); GEN=$(realpath "$2"); OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/allocators.sh"
export SCALE=${SCALE:-1000}
mkdir -p "$OUT"
CSV=$OUT/live.csv
rm -f "$CSV"
WORK=$(mktemp -d /tmp/redis-live.XXXXXX)
PID=
cleanup() { if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

while read -r name pre envs; do
    [ "$name" = glibc ] && pre=$SHIM
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    e=()
    [ "$pre" != - ] && e+=("LD_PRELOAD=$(realpath "$pre")")
    [ "$envs" != - ] && e+=("$envs")
    env "${e[@]}" redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$WORK" --daemonize no --logfile "$WORK/redis-$name.log" &
    PID=$!
    up=0
    for _ in $(seq 1 100); do
        if redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; then up=1; break; fi
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ "$up" != 1 ]; then
        echo "redis-live: $name: redis-server did not start; skipped" >&2
        tail -n 3 "$WORK/redis-$name.log" >&2 || true
        PID=; continue
    fi
    # Which allocator is really in use: the preloaded library must be mapped.
    if [ "$pre" != - ] && ! grep -q "$(realpath "$pre")" "/proc/$PID/maps"; then
        echo "redis-live: $name: $(realpath "$pre") is not mapped in redis-server" >&2; exit 1
    fi
    alloc_info=$(redis-cli -h 127.0.0.1 -p "$PORT" info memory | grep -E '^(mem_allocator|allocator_allocated):' | tr -d '\r' | tr '\n' ' ')
    echo "redis-live: $name (pid $PID, port $PORT, preload ${pre}): $alloc_info"
    PORT=$PORT SERVER_PID=$PID GEN=$GEN WORK=$WORK PROBE=1 STATS_CSV=$CSV ALLOC_LABEL=$name \
        "$HERE/scenario.sh" || { echo "redis-live: $name: scenario failed" >&2; kill -9 "$PID"; PID=; continue; }
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
done < <(rt_allocators)
echo
column -s, -t < "$CSV" 2>/dev/null || cat "$CSV"
