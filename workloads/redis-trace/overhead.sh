#!/bin/bash
# overhead.sh: redis-benchmark throughput of Debian's redis-server with and
# without the allocation tracer (`make trace-overhead`). Runs REPS rounds,
# alternating plain and traced servers, each round on fresh servers; prints
# the median SET and GET req/s of each and the ratio traced/plain.
#   overhead.sh TRACER [REPS] [REQUESTS]
set -euo pipefail
TRACER=$(realpath "$1"); REPS=${2:-3}; N=${3:-200000}
WORK=$(mktemp -d /tmp/redis-overhead.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

start() { # start traced|plain
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local -a pre=()
    [ "$1" = traced ] && pre=(env ALLOCTRACE_OUT="$WORK/t.trc" LD_PRELOAD="$TRACER")
    "${pre[@]}" redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
        --daemonize no --logfile "$WORK/redis.log" &
    PID=$!
    for _ in $(seq 1 100); do redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
    echo "overhead: redis-server did not start" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
bench() {
    redis-benchmark -h 127.0.0.1 -p "$PORT" -n "$N" -c 20 -P 16 -r 100000 -d 100 -t set,get --csv 2>/dev/null |
        awk -F'"' '/^"(SET|GET)"/ { printf "%s ", $4 }'
}
for r in $(seq 1 "$REPS"); do
    for mode in plain traced; do
        start $mode
        echo "$mode $(bench)" >> "$WORK/res"
        stop
    done
done
awk '
function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                   return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
{ n[$1]++; set[$1, n[$1]] = $2; get[$1, n[$1]] = $3; print "  " $0 }
END {
    for (m in n) { for (i = 1; i <= n[m]; i++) { s[i] = set[m, i]; g[i] = get[m, i] } ms[m] = median(s, n[m]); mg[m] = median(g, n[m]) }
    printf "median req/s  plain: SET %.0f GET %.0f   traced: SET %.0f GET %.0f\n", ms["plain"], mg["plain"], ms["traced"], mg["traced"]
    printf "tracer overhead: throughput ratio traced/plain SET %.3f GET %.3f\n", ms["traced"] / ms["plain"], mg["traced"] / mg["plain"]
}' "$WORK/res"
