#!/bin/sh
# run.sh: run tide's API suite (C and C++ programs) three ways and check the
# exported symbols.
#
#   sh allocator/test/api/run.sh API_TEST CXX_TEST           the tide runs
#   sh allocator/test/api/run.sh --glibc API_TEST CXX_TEST   plain glibc (development)
#
# The tide runs: LD_PRELOAD=allocator/libtide.so; LD_PRELOAD of the debug
# build (invariant checks); allocator/libtide.so with TIDE_CONF=preset:bsd2006.
# API_REQUIRE_TIDE=1 makes the tide-only cases mandatory; API_EXPECT_PRESET
# and API_EXPECT_DEBUG make the suite check, through mallctl, that the run
# got the configuration it is named after. Each run must finish within
# 600 s (timeout -k 10: SIGTERM to its process group, SIGKILL 10 s later)
# and Check must report exactly the expected number of tests (below). Exit
# status is non-zero if any run or the symbol check fails.
set -u

# ---- expected number of Check tests per program ----------------------------
EXPECT_API=20        # api_test against tide (API_REQUIRE_TIDE=1: every tide-only case)
EXPECT_CXX=5         # cxx_test
EXPECT_API_GLIBC=14  # api_test against glibc 2.36 (no free_sized, jemalloc API or mallctl)

glibc=0
if [ "${1:-}" = "--glibc" ]; then glibc=1; shift; fi
if [ $# -ne 2 ]; then
    echo "usage: run.sh [--glibc] API_TEST CXX_TEST" >&2
    exit 2
fi
api=$1
cxx=$2
for f in "$api" "$cxx"; do
    [ -x "$f" ] || { echo "run.sh: $f: not built" >&2; exit 2; }
done

fail=0
out=$(mktemp /tmp/api-run.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT
# run LABEL EXPECTED CMD...: one run; it fails unless it exits 0 in time and
# Check's summary ("NN%: Checks: N, ...") says EXPECTED tests ran.
run() {
    label=$1 want=$2
    shift 2
    echo "-- $label"
    timeout -k 10 600 "$@" > "$out" 2>&1
    rc=$?
    cat "$out"
    n=$(sed -n 's/.*%: Checks: \([0-9]*\),.*/\1/p' "$out" | tail -n 1)
    if [ $rc -eq 124 ]; then
        echo "run.sh: FAILED: $label: timed out after 600 s" >&2; fail=1
    elif [ $rc -ne 0 ]; then
        echo "run.sh: FAILED: $label: exit status $rc" >&2; fail=1
    elif [ "${n:-none}" != "$want" ]; then
        echo "run.sh: FAILED: $label: ${n:-no} Check tests ran, expected $want" >&2; fail=1
    fi
}

if [ $glibc = 1 ]; then
    run "api, glibc" $EXPECT_API_GLIBC "$api"
    run "cxx, glibc" $EXPECT_CXX "$cxx"
    exit $fail
fi

rel=$PWD/allocator/libtide.so
dbg=$PWD/build/debug/libtide.so
for f in "$rel" "$dbg"; do
    [ -f "$f" ] || { echo "run.sh: $f: not built" >&2; exit 2; }
done

run "api, LD_PRELOAD=allocator/libtide.so" $EXPECT_API env -u TIDE_CONF LD_PRELOAD="$rel" API_REQUIRE_TIDE=1 \
    API_EXPECT_PRESET=default API_EXPECT_DEBUG=0 "$api"
run "cxx, LD_PRELOAD=allocator/libtide.so" $EXPECT_CXX env -u TIDE_CONF LD_PRELOAD="$rel" "$cxx"
run "api, LD_PRELOAD=build/debug/libtide.so" $EXPECT_API env -u TIDE_CONF LD_PRELOAD="$dbg" API_REQUIRE_TIDE=1 \
    API_EXPECT_PRESET=default API_EXPECT_DEBUG=1 "$api"
run "cxx, LD_PRELOAD=build/debug/libtide.so" $EXPECT_CXX env -u TIDE_CONF LD_PRELOAD="$dbg" "$cxx"
run "api, TIDE_CONF=preset:bsd2006" $EXPECT_API env LD_PRELOAD="$rel" TIDE_CONF=preset:bsd2006 API_REQUIRE_TIDE=1 \
    API_EXPECT_PRESET=bsd2006 API_EXPECT_DEBUG=0 "$api"
run "cxx, TIDE_CONF=preset:bsd2006" $EXPECT_CXX env LD_PRELOAD="$rel" TIDE_CONF=preset:bsd2006 "$cxx"

# Every symbol a drop-in must export (allocator-design.md 2.4 and 2.5): the C
# API, the jemalloc API Debian's libjemalloc.so.2 exports, and its 20 C++
# operators.
echo "-- exported symbols of allocator/libtide.so"
want="malloc free calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc
malloc_usable_size malloc_trim mallinfo2 free_sized free_aligned_sized
mallocx rallocx xallocx sallocx dallocx sdallocx nallocx
mallctl mallctlnametomib mallctlbymib malloc_stats_print
_Znwm _Znam _ZnwmRKSt9nothrow_t _ZnamRKSt9nothrow_t _ZnwmSt11align_val_t _ZnamSt11align_val_t
_ZnwmSt11align_val_tRKSt9nothrow_t _ZnamSt11align_val_tRKSt9nothrow_t
_ZdlPv _ZdaPv _ZdlPvm _ZdaPvm _ZdlPvRKSt9nothrow_t _ZdaPvRKSt9nothrow_t
_ZdlPvSt11align_val_t _ZdaPvSt11align_val_t _ZdlPvmSt11align_val_t _ZdaPvmSt11align_val_t
_ZdlPvSt11align_val_tRKSt9nothrow_t _ZdaPvSt11align_val_tRKSt9nothrow_t"
have=$(nm -D --defined-only "$rel" | awk '{ print $NF }' | sed 's/@.*//') || {
    echo "run.sh: nm -D failed on $rel" >&2
    exit 1
}
missing=""
n=0
for s in $want; do
    n=$((n + 1))
    printf '%s\n' "$have" | grep -qx "$s" || missing="$missing $s"
done
if [ -n "$missing" ]; then
    echo "run.sh: FAILED: allocator/libtide.so does not export:$missing" >&2
    fail=1
else
    echo "all $n symbols exported"
fi
exit $fail
