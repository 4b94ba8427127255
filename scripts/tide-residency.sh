#!/bin/sh
# Where a program's resident memory is under tide, page by page
# (scripts/tide-residency.py): runs PROGRAM with allocator/libtide.so
# preloaded under gdb, stops at FUNCTION's first call, prints the table and
# kills the program.
#   scripts/tide-residency.sh FUNCTION PROGRAM [ARG...]
# e.g. at the end of fragprobe small's refill, every block still live:
#   scripts/tide-residency.sh wl_alloc_stats_get build/workloads/fragprobe 1024 small
# TIDE_LIB overrides the library (default allocator/libtide.so).
set -eu
if [ $# -lt 2 ]; then
    echo "usage: scripts/tide-residency.sh FUNCTION PROGRAM [ARG...]" >&2
    exit 2
fi
fn=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
lib=${TIDE_LIB:-$here/../allocator/libtide.so}
command -v gdb >/dev/null || { echo "tide-residency: gdb not installed" >&2; exit 1; }
[ -f "$lib" ] || { echo "tide-residency: $lib: not built (make allocator/libtide.so)" >&2; exit 1; }
[ -x "$1" ] || { echo "tide-residency: $1: no such program" >&2; exit 1; }
out=$(LD_PRELOAD=$(realpath "$lib") gdb -batch -nx -ex "set pagination off" -ex "set breakpoint pending on" \
    -ex "break $fn" -ex run -ex "source $here/tide-residency.py" -ex kill --args "$@" 2>&1) || true
if ! printf '%s\n' "$out" | grep -q '^tide residency'; then
    printf '%s\n' "$out" | tail -n 5 >&2
    echo "tide-residency: the program did not stop in $fn, or the table could not be read" >&2
    exit 1
fi
printf '%s\n' "$out" | sed -n '/^tide residency/,$p' | grep -v -e '^\[Inferior' -e '^Kill the program'
