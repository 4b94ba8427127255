#!/bin/sh
# test.sh: tests of the injection shims (make test-shims), run from the
# repository root.
#  1. each shim (libab-slow.so with AB_SLOW_SPINS=100, libab-pad.so with
#     AB_PAD_PERCENT=50) preloaded over glibc and before allocator/libtide.so
#     runs real programs: ls -l /, a python3 json dump, a perl hash,
#     malloc-test (2 threads; its allocator line must name the shim),
#     shimcheck check (the forwarding contract, C) and shimcheck-cxx
#     (operator new/delete); each must exit 0 with the right output;
#  2. the pad checks can fail: shimcheck with SHIMCHECK_PAD=50 and no shim
#     must fail; a malformed AB_PAD_PERCENT gives one warning and 5 %;
#  3. slow, by callgrind instruction counts (deterministic): the cost of one
#     spin, from shimcheck's malloc/free pairs with AB_SLOW_SPINS=0 and 1000,
#     then glibc-simple with AB_SLOW_SPINS=0 and 2000: the extra instructions
#     per malloc+free pair must be within 10 % of 2 x 2000 x that cost;
#  4. pad over glibc: fragprobe 16 small without the shim, with 5 % and with
#     50 %: 50 % must raise the peak RSS by at least 25 % and the heap that
#     mallinfo2 reports by 45-55 %; the 5 % figures are printed.
# GS_ALLOCS (default 2000) is glibc-simple's argument in 3: with 20000 the
# spinning run executes about 8.6e9 instructions, some 3 minutes under
# callgrind. Every command has a time limit; with no failure exactly
# EXPECT_PASS checks must have passed.
set -u
EXPECT_PASS=29
B=build/harness
SLOW=$PWD/$B/libab-slow.so
PAD=$PWD/$B/libab-pad.so
TIDE=$PWD/allocator/libtide.so
SC=$B/shimcheck
SCXX=$B/shimcheck-cxx
W=build/workloads
GS_ALLOCS=${GS_ALLOCS:-2000}
TO="timeout -k 5 120"
TO_CG="timeout -k 5 400"
T=$(mktemp -d /tmp/ab-shims-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0 npass=0
pass() { echo "  ok   $1"; npass=$((npass + 1)); }
fail() { echo "  FAIL $1"; fails=$((fails + 1)); }
# show FILE: its first lines, indented (what a failed check saw).
show() { head -n 8 "$1" | sed 's/^/       | /'; }

for f in "$SLOW" "$PAD" "$TIDE" "$SC" "$SCXX" "$W/malloc-test" "$W/glibc-simple" "$W/fragprobe"; do
    [ -e "$f" ] || { echo "test-shims: $f is missing (make test-shims builds it)"; exit 1; }
done

# The mode and name of each entry of /: the rest (link counts, times) may
# change while the test runs.
lsref() { awk 'NR > 1 { print $1, $NF }'; }
$TO ls -l / 2>/dev/null | lsref >"$T/ls.ref"
PY_REF=688890   # len(json.dumps(list(range(100000))))
PL_REF=100000

echo "injection shims: real programs under each shim, over glibc and over tide"
for shim in slow pad; do
    if [ $shim = slow ]; then
        lib=$SLOW; set -- AB_SLOW_SPINS=100
    else
        lib=$PAD; set -- AB_PAD_PERCENT=50 SHIMCHECK_PAD=50
    fi
    for base in glibc tide; do
        if [ $base = glibc ]; then pre=$lib; else pre="$lib $TIDE"; fi
        tag="$shim over $base"
        if $TO env LD_PRELOAD="$pre" "$@" ls -l / >"$T/out" 2>"$T/err" &&
                lsref <"$T/out" | cmp -s - "$T/ls.ref"; then
            pass "$tag: ls -l /"
        else
            fail "$tag: ls -l / (exit status or listing differs)"; show "$T/err"
        fi
        out=$($TO env LD_PRELOAD="$pre" "$@" python3 -c 'import json; print(len(json.dumps(list(range(100000)))))' 2>"$T/err")
        if [ $? -eq 0 ] && [ "$out" = "$PY_REF" ]; then
            pass "$tag: python3 json ($out)"
        else
            fail "$tag: python3 json printed '$out', want $PY_REF"; show "$T/err"
        fi
        out=$($TO env LD_PRELOAD="$pre" "$@" perl -e 'my %h; $h{$_}=$_ x 10 for 1..100000; print scalar(keys %h)' 2>"$T/err")
        if [ $? -eq 0 ] && [ "$out" = "$PL_REF" ]; then
            pass "$tag: perl hash ($out)"
        else
            fail "$tag: perl hash printed '$out', want $PL_REF"; show "$T/err"
        fi
        if $TO env LD_PRELOAD="$pre" "$@" $W/malloc-test --threads 2 20000 512 >"$T/out" 2>"$T/err" &&
                grep -q "^ALLOCBENCH allocator file=$lib\$" "$T/out" &&
                grep -q '^ALLOCBENCH result workload=malloc-test .*metric=throughput' "$T/out"; then
            pass "$tag: malloc-test --threads 2 20000 512 (malloc served by the shim)"
        else
            fail "$tag: malloc-test (exit status, result line, or malloc not served by $lib)"
            show "$T/out"; show "$T/err"
        fi
        if $TO env LD_PRELOAD="$pre" "$@" $SC check >"$T/out" 2>&1 && grep -q '^shimcheck: ok' "$T/out"; then
            pass "$tag: shimcheck check ($(grep -o 'malloc_usable_size(malloc(100)) = [0-9]*' "$T/out"))"
        else
            fail "$tag: shimcheck check"; grep FAIL "$T/out" | head -n 8 | sed 's/^/       | /'
        fi
        if $TO env LD_PRELOAD="$pre" "$@" $SCXX >"$T/out" 2>&1 && grep -q '^shimcheck-cxx: ok' "$T/out"; then
            pass "$tag: shimcheck-cxx (operator new/delete)"
        else
            fail "$tag: shimcheck-cxx"; grep FAIL "$T/out" | head -n 8 | sed 's/^/       | /'
            tail -n 3 "$T/out" | sed 's/^/       | /'
        fi
    done
done

echo "injection shims: the pad checks can fail; AB_PAD_PERCENT parsing"
if $TO env SHIMCHECK_PAD=50 $SC check >"$T/out" 2>&1; then
    fail "shimcheck SHIMCHECK_PAD=50 without the shim passed: the padding check cannot fail"
else
    pass "shimcheck SHIMCHECK_PAD=50 without the shim fails ($(grep -c FAIL "$T/out") failed conditions)"
fi
if $TO env LD_PRELOAD="$PAD" AB_PAD_PERCENT=12x SHIMCHECK_PAD=5 $SC check >"$T/out" 2>"$T/err" &&
        [ "$(grep -c 'allocbench shim: ignoring AB_PAD_PERCENT' "$T/err")" -eq 1 ]; then
    pass "AB_PAD_PERCENT=12x: one warning, 5 % padding"
else
    fail "AB_PAD_PERCENT=12x: want one warning on stderr and 5 % padding"; show "$T/err"; grep FAIL "$T/out" | head -n 4
fi

# cg_ir FILE: the instruction count (Ir) of a callgrind output file.
cg_ir() { awk '$1 == "summary:" { print $2 }' "$1"; }
# cg SPINS OUT CMD...: CMD under callgrind with libab-slow.so and AB_SLOW_SPINS=SPINS.
cg() {
    spins=$1 out=$2; shift 2
    $TO_CG env LD_PRELOAD="$SLOW" AB_SLOW_SPINS="$spins" \
        valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$out.log" 2>&1 && [ -n "$(cg_ir "$out")" ]
}

echo "injection shims: libab-slow.so instruction counts (callgrind)"
K=10000 S=1000
ips=
if cg 0 "$T/cal0" $SC pairs $K && cg $S "$T/cal1" $SC pairs $K; then
    i0=$(cg_ir "$T/cal0") i1=$(cg_ir "$T/cal1")
    ips=$(awk -v a="$i0" -v b="$i1" -v k=$K -v s=$S 'BEGIN { printf "%.4f", (b - a) / (2 * k * s) }')
    if awk -v x="$ips" 'BEGIN { exit !(x >= 1 && x <= 10) }'; then
        pass "one spin costs $ips instructions ($K malloc/free pairs: $i0 Ir at 0 spins, $i1 at $S)"
    else
        fail "one spin costs $ips instructions (outside 1-10): $i0 Ir at 0 spins, $i1 at $S"; ips=
    fi
else
    fail "callgrind of shimcheck pairs failed"; show "$T/cal0.log"; show "$T/cal1.log"
fi
N=2000
# glibc-simple A: malloc+free pairs per (scenario, size) = sum over the block
# counts c of floor(A / c) * c; 3 scenarios x 3 sizes (one thread).
pairs=$(awk -v a="$GS_ALLOCS" 'BEGIN { n = split("25 100 400 1600", c, " "); s = 0
        for (i = 1; i <= n; i++) s += int(a / c[i]) * c[i]; print 9 * s }')
if [ -z "$ips" ]; then
    fail "glibc-simple $GS_ALLOCS: no per-spin cost to predict from"
elif cg 0 "$T/gs0" $W/glibc-simple "$GS_ALLOCS" && cg $N "$T/gs1" $W/glibc-simple "$GS_ALLOCS"; then
    g0=$(cg_ir "$T/gs0") g1=$(cg_ir "$T/gs1")
    res=$(awk -v a="$g0" -v b="$g1" -v p="$pairs" -v n=$N -v ips="$ips" 'BEGIN {
        per = (b - a) / p; want = 2 * n * ips
        printf "%.1f %.1f %.4f %.2f", per, want, per / want, b / a }')
    set -- $res
    if awk -v r="$3" 'BEGIN { exit !(r >= 0.9 && r <= 1.1) }'; then
        pass "glibc-simple $GS_ALLOCS: $1 extra Ir per malloc+free pair at $N spins, predicted $2 (ratio $3; total x$4: $g0 -> $g1 Ir, $pairs pairs)"
    else
        fail "glibc-simple $GS_ALLOCS: $1 extra Ir per pair at $N spins, predicted $2 (ratio $3 outside 0.9-1.1; $g0 -> $g1 Ir)"
    fi
else
    fail "callgrind of glibc-simple $GS_ALLOCS failed"; show "$T/gs0.log"; show "$T/gs1.log"
fi

echo "injection shims: libab-pad.so and fragprobe 16 small over glibc"
# fp NAME [ENV...]: fragprobe's peak_rss and stats_allocated_b into $T/fp.NAME.
fp() {
    name=$1; shift
    $TO env "$@" $W/fragprobe 16 small >"$T/fp.$name.out" 2>/dev/null &&
        sed -n 's/^ALLOCBENCH result .* peak_rss=\([0-9]*\) .* stats_allocated_b=\([0-9]*\) .*/\1 \2/p' \
            "$T/fp.$name.out" >"$T/fp.$name" && [ -s "$T/fp.$name" ]
}
if fp none && fp p5 LD_PRELOAD="$PAD" AB_PAD_PERCENT=5 && fp p50 LD_PRELOAD="$PAD" AB_PAD_PERCENT=50; then
    res=$(cat "$T/fp.none" "$T/fp.p5" "$T/fp.p50" | tr '\n' ' ')
    set -- $res
    r5=$(awk -v a="$1" -v b="$3" 'BEGIN { printf "%.3f", b / a }')
    h5=$(awk -v a="$2" -v b="$4" 'BEGIN { printf "%.3f", b / a }')
    r50=$(awk -v a="$1" -v b="$5" 'BEGIN { printf "%.3f", b / a }')
    h50=$(awk -v a="$2" -v b="$6" 'BEGIN { printf "%.3f", b / a }')
    echo "       peak RSS $1 B; at 5 %: $3 B (x$r5), heap x$h5; at 50 %: $5 B (x$r50), heap x$h50"
    if awk -v r="$r50" -v h="$h50" 'BEGIN { exit !(r >= 1.25 && h >= 1.45 && h <= 1.55) }'; then
        pass "AB_PAD_PERCENT=50: peak RSS x$r50 (>= 1.25), mallinfo2 heap x$h50 (1.45-1.55)"
    else
        fail "AB_PAD_PERCENT=50: peak RSS x$r50 (want >= 1.25), mallinfo2 heap x$h50 (want 1.45-1.55)"
    fi
else
    fail "fragprobe 16 small failed or printed no peak_rss/stats_allocated_b"
fi

echo "test-shims: $npass passed, $fails failed (expected $EXPECT_PASS passed)"
[ "$fails" -eq 0 ] && [ "$npass" -eq "$EXPECT_PASS" ]
