#!/bin/sh
# check.sh: the fast-path length gate.
#
#   sh allocator/test/fastpath/check.sh FASTPATH_BIN LIBTIDE_SO BOUNDS_FILE
#   sh allocator/test/fastpath/check.sh --measure FASTPATH_BIN LIBTIDE_SO
#
# Counts the instructions of malloc(32) and free hits, of
# malloc_usable_size and an in-place realloc of such a block, of
# aligned_alloc(64, 64) and of malloc(64 KiB) + free served by a kept run,
# with callgrind (deterministic counts, not time): FASTPATH_BIN runs N
# malloc/malloc_usable_size/realloc/free rounds (or N aligned_alloc/free or
# large malloc/free rounds, fastpath.c) with LIBTIDE_SO preloaded, under
# valgrind --tool=callgrind with collection on only inside one function per
# run; the cost in the output's "totals:" line is then the inclusive cost of
# every call. Two loop lengths, N1 and N2, are measured and differenced,
# which removes the warm-up and initialisation:
#     per call = (cost(N2) - cost(N1)) / (N2 - N1)
# Fails if a number exceeds its bound in BOUNDS_FILE ("malloc_max V",
# "free_max V", "usable_max V", "realloc_max V", "aligned_max V" and
# "large_pair_max V" lines). Each callgrind run has a time limit (timeout
# -k 10 300). --measure prints the numbers and the bounds lines
# (measured + 10 %) to paste into bounds.txt; regenerate with:
#     make allocator/libtide.so build/test/fastpath/fastpath
#     sh allocator/test/fastpath/check.sh --measure build/test/fastpath/fastpath allocator/libtide.so
set -u

measure=0
if [ "${1:-}" = "--measure" ]; then measure=1; shift; fi
if [ $measure = 1 ]; then nargs=2; else nargs=3; fi
if [ $# -ne $nargs ]; then
    echo "usage: check.sh FASTPATH_BIN LIBTIDE_SO BOUNDS_FILE | --measure FASTPATH_BIN LIBTIDE_SO" >&2
    exit 2
fi
prog=$1
lib=$2
bounds=${3:-}
[ -x "$prog" ] || { echo "check.sh: $prog: not built" >&2; exit 2; }
[ -f "$lib" ] || { echo "check.sh: $lib: not built" >&2; exit 2; }
command -v valgrind >/dev/null 2>&1 || { echo "check.sh: valgrind not installed" >&2; exit 2; }

N1=100000
N2=200000
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# Valgrind 3.19 cannot read clang 14's DWARF 5: measure copies without debug
# information (the symbol tables, which callgrind needs, stay).
objcopy --strip-debug "$lib" "$tmp/libtide.so" && objcopy --strip-debug "$prog" "$tmp/fastpath" || {
    echo "check.sh: objcopy --strip-debug failed" >&2
    exit 2
}
lib=$tmp/libtide.so
prog=$tmp/fastpath

# cost FUNCTION N [MODE]: instructions executed inside FUNCTION (inclusive) in
# a run of N rounds of the program's loop MODE (fastpath.c).
cost() {
    out=$tmp/cg.$1.$2.${3:-small}
    if ! timeout -k 10 300 env LD_PRELOAD="$lib" valgrind --tool=callgrind --callgrind-out-file="$out" \
            --toggle-collect="$1" "$prog" "$2" ${3:-} >"$tmp/log" 2>&1; then
        echo "check.sh: callgrind run failed:" >&2
        tail -n 5 "$tmp/log" >&2
        exit 1
    fi
    awk '/^totals:/ { print $2; found = 1 } END { if (!found) exit 1 }' "$out" || {
        echo "check.sh: no totals line in $out" >&2
        exit 1
    }
}

# per_call FUNCTION [MODE]: prints the per-call cost with one decimal.
per_call() {
    c1=$(cost "$1" $N1 ${2:-}) || exit 1
    c2=$(cost "$1" $N2 ${2:-}) || exit 1
    awk -v a="$c1" -v b="$c2" -v n1=$N1 -v n2=$N2 -v f="$1" 'BEGIN {
        d = (b - a) / (n2 - n1)
        if (d <= 0) { print "check.sh: callgrind saw no calls of " f > "/dev/stderr"; exit 1 }
        printf "%.1f\n", d }'
}

m=$(per_call malloc) || exit 1
f=$(per_call free) || exit 1
u=$(per_call malloc_usable_size) || exit 1
r=$(per_call realloc) || exit 1
a=$(per_call aligned_alloc aligned) || exit 1
lm=$(per_call malloc large) || exit 1
lf=$(per_call free large) || exit 1
l=$(awk -v a="$lm" -v b="$lf" 'BEGIN { printf "%.1f\n", a + b }')
echo "fast path: malloc(32) $m instructions, free $f instructions (callgrind, per call, $N2 - $N1 pairs)"
echo "malloc_usable_size of such a block: $u instructions; realloc of it to 24 bytes (in place): $r"
echo "aligned_alloc(64, 64): $a instructions; malloc(64 KiB) + free of a kept run: $lm + $lf = $l"

if [ $measure = 1 ]; then
    awk -v m="$m" -v f="$f" -v u="$u" -v r="$r" -v a="$a" -v l="$l" 'BEGIN {
        printf "malloc_max %.1f\nfree_max %.1f\nusable_max %.1f\nrealloc_max %.1f\naligned_max %.1f\nlarge_pair_max %.1f\n",
            m * 1.10, f * 1.10, u * 1.10, r * 1.10, a * 1.10, l * 1.10 }'
    exit 0
fi

[ -f "$bounds" ] || { echo "check.sh: $bounds: missing" >&2; exit 2; }
# check VALUE KEY WHAT: VALUE against the bound on BOUNDS_FILE's "KEY V" line.
bad=0
seen=
check() {
    b=$(awk -v k="$2" '$1 == k { print $2 }' "$bounds")
    if [ -z "$b" ]; then
        echo "check.sh: $bounds: needs a $2 line" >&2
        exit 2
    fi
    if awk -v v="$1" -v b="$b" 'BEGIN { exit !(v > b) }'; then
        printf 'check.sh: FAILED: %s %.1f > bound %s\n' "$3" "$1" "$b" >&2
        bad=1
    fi
    seen="$seen${seen:+, }$2 $b"
}
check "$m" malloc_max "malloc fast path"
check "$f" free_max "free fast path"
check "$u" usable_max "malloc_usable_size"
check "$r" realloc_max "in-place realloc"
check "$a" aligned_max "aligned_alloc"
check "$l" large_pair_max "kept-run malloc + free"
[ $bad = 0 ] && echo "within bounds ($seen)"
exit $bad
