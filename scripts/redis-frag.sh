#!/bin/sh
# Redis fragmentation check (issue target: RSS 12 s after an 80 % delete).
# For each allocator: a fresh redis-server on 127.0.0.1, load N keys with
# values of uniform 10..1000 bytes (seeded), DEL a random 80 %, read VmRSS and
# used_memory right after and 12 s later. One line per allocator on stdout:
#   alloc used_loaded_MiB rss_loaded_MiB used_del_MiB rss_del_MiB rss_12s_MiB
# Usage: scripts/redis-frag.sh [N] name=/path/lib.so ...   (empty path: no preload)
set -eu
N=${1:-1000000}; shift
command -v redis-server >/dev/null || { echo "redis-frag: redis-server not installed" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT
python3 - "$N" "$tmp" <<'PY'
import random, sys
n, d = int(sys.argv[1]), sys.argv[2]
r = random.Random(42)
def cmd(*a):
    return "*%d\r\n" % len(a) + "".join("$%d\r\n%s\r\n" % (len(x), x) for x in a)
with open(d + "/load.resp", "w") as f:
    for i in range(n):
        f.write(cmd("SET", "k:%d" % i, "v" * r.randint(10, 1000)))
keys = list(range(n)); r.shuffle(keys)
with open(d + "/del.resp", "w") as f:
    for i in keys[: int(n * 0.8)]:
        f.write(cmd("DEL", "k:%d" % i))
PY
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
rss() { awk '/^VmRSS/ { print $2 * 1024 }' /proc/"$1"/status; }
used() { redis-cli -p "$port" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }
for spec in "$@"; do
    name=${spec%%=*}; lib=${spec#*=}
    port=$(( 40000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
    env ${lib:+LD_PRELOAD=$lib} redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$tmp" --daemonize no >"$tmp/server.log" 2>&1 &
    pid=$!
    i=0; until redis-cli -p "$port" ping >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 100 ] && { echo "redis-frag: $name: server did not start" >&2; exit 1; }; sleep 0.1; done
    redis-cli -p "$port" --pipe <"$tmp/load.resp" >/dev/null
    ul=$(used); rl=$(rss $pid)
    redis-cli -p "$port" --pipe <"$tmp/del.resp" >/dev/null
    ud=$(used); rd=$(rss $pid)
    sleep 12
    r12=$(rss $pid)
    echo "$name $(mib $ul) $(mib $rl) $(mib $ud) $(mib $rd) $(mib $r12)"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
