#!/bin/sh
# smoke.sh: run every workload of workloads/workloads.tsv once with its
# smoke_args (threads 1 and 2) under the default allocator, and again under
# LD_PRELOAD=allocator/libtide.so when that library exists. Checks the
# convention: exit 0, the allocator line, exactly one parsable result line
# whose metric/better match the table, a sane value, the alloc-stats line,
# and rejection of bad options with exit 2. Every run has a time limit
# (timeout -k 5: SIGTERM to its process group, SIGKILL 5 s later), and each
# table must give exactly EXPECT_RUNS runs. Exits 1 if anything failed (all
# failures are listed).
set -u
cd "$(dirname "$0")/../.." || exit 1
TSV=${WL_TSV:-workloads/workloads.tsv}
# Runs per table: 14 workloads of workloads.tsv x threads 1 and 2.
EXPECT_RUNS=${WL_EXPECT_RUNS:-28}
T_RUN=120   # seconds for one smoke run
T_BAD=30    # seconds for a run that must refuse its options
TIDE=allocator/libtide.so
fails=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check_run NAME METRIC BETTER THREADS EXPECT_ALLOC_SUFFIX EXPECT_SOURCE CMD...
check_run() {
    name=$1 metric=$2 better=$3 thr=$4 want_file=$5 want_src=$6
    shift 6
    timeout -k 5 "$T_RUN" "$@" >"$out" 2>"$err"
    rc=$?
    if [ $rc -eq 124 ]; then
        fail "$name threads=$thr: timed out after $T_RUN s (killed)"
        return
    elif [ $rc -ne 0 ]; then
        fail "$name threads=$thr: exit status $rc ($(head -c 300 "$err"))"
        return
    fi
    n=$(grep -c '^ALLOCBENCH result ' "$out")
    [ "$n" = 1 ] || { fail "$name threads=$thr: $n result lines"; return; }
    file=$(sed -n 's/^ALLOCBENCH allocator file=\([^ ]*\).*/\1/p' "$out")
    [ -n "$file" ] && [ -e "$file" ] || { fail "$name: allocator line missing or bad ('$file')"; return; }
    case "$file" in *"$want_file") ;; *) fail "$name: allocator file $file, want *$want_file"; return ;; esac
    src=$(sed -n 's/^ALLOCBENCH alloc-stats source=\([a-z0-9]*\) allocated=-\{0,1\}[0-9]* active=-\{0,1\}[0-9]* resident=-\{0,1\}[0-9]* mapped=-\{0,1\}[0-9]*$/\1/p' "$out")
    [ -n "$src" ] || { fail "$name: alloc-stats line missing or malformed"; return; }
    [ -z "$want_src" ] || [ "$src" = "$want_src" ] || { fail "$name: alloc-stats source=$src, want $want_src"; return; }
    grep '^ALLOCBENCH result ' "$out" | awk -v name="$name" -v metric="$metric" -v better="$better" -v thr="$thr" '
    {
        for (i = 3; i <= NF; i++) {
            eq = index($i, "=")
            if (eq < 2) { print "FAIL: " name ": field without key=value: " $i; bad = 1; continue }
            kv[substr($i, 1, eq - 1)] = substr($i, eq + 1)
        }
        n = split("workload threads metric value unit better", need, " ")
        for (i = 1; i <= n; i++) if (!(need[i] in kv)) { print "FAIL: " name ": no " need[i] "="; bad = 1 }
        if (kv["workload"] != name) { print "FAIL: workload=" kv["workload"] ", want " name; bad = 1 }
        if (kv["threads"] != thr) { print "FAIL: " name ": threads=" kv["threads"] ", want " thr; bad = 1 }
        if (kv["metric"] != metric) { print "FAIL: " name ": metric=" kv["metric"] ", want " metric; bad = 1 }
        if (kv["better"] != better) { print "FAIL: " name ": better=" kv["better"] ", want " better; bad = 1 }
        v = kv["value"]
        if (v !~ /^[0-9.]+(e[-+]?[0-9]+)?$/ || v + 0 <= 0) { print "FAIL: " name ": value=" v " is not a positive number"; bad = 1 }
        if (name ~ /^fragprobe/) {
            r = kv["ratio_final"] + 0
            if (r < 0.5 || r > 20) { print "FAIL: " name ": ratio_final=" r " not in [0.5, 20]"; bad = 1 }
            if (kv["live_b"] + 0 < 0.99 * kv["live_a"] || kv["rss_a"] + 0 <= 0 || kv["live_f"] + 0 >= kv["live_a"] + 0) {
                print "FAIL: " name ": inconsistent phases live_a=" kv["live_a"] " live_f=" kv["live_f"] " live_b=" kv["live_b"]; bad = 1 }
        }
        if (name == "mstress" && kv["verified_frees"] + 0 <= 0) { print "FAIL: mstress verified nothing"; bad = 1 }
        if (name == "larson" && kv["generations"] + 0 < thr) { print "FAIL: larson generations=" kv["generations"]; bad = 1 }
        if (name == "sh6bench" && (kv["mallocs"] + 0 <= 0 || kv["verified"] != kv["mallocs"] || kv["peak_live"] + 0 <= 0 || kv["checksum"] + 0 <= 0)) {
            print "FAIL: sh6bench mallocs=" kv["mallocs"] " verified=" kv["verified"] " peak_live=" kv["peak_live"] " checksum=" kv["checksum"]; bad = 1 }
        if (name == "cfrac" && (kv["mallocs"] + 0 <= 0 || kv["share_16_32"] + 0 <= 0.9 || kv["factors"] + 0 < 2)) {
            print "FAIL: cfrac mallocs=" kv["mallocs"] " share_16_32=" kv["share_16_32"] " factors=" kv["factors"]; bad = 1 }
    }
    END { exit bad }' || fails=$((fails + 1))
}

run_table() { # $1 = label, $2 = preload library or empty, $3 = wanted allocator file suffix, $4 = wanted stats source
    label=$1 pre=$2 want_file=$3 want_src=$4
    count=0
    while IFS="$(printf '\t')" read -r name binary kind metric better quick full smoke; do
        [ "$name" = name ] && continue
        [ -x "$binary" ] || { fail "$name: $binary missing"; continue; }
        for thr in 1 2; do
            # smoke args are plain words (no quoting needed)
            # shellcheck disable=SC2086
            if [ -n "$pre" ]; then
                check_run "$name" "$metric" "$better" "$thr" "$want_file" "$want_src" env LD_PRELOAD="$pre" "$binary" --threads "$thr" $smoke
            else
                check_run "$name" "$metric" "$better" "$thr" "$want_file" "$want_src" "$binary" --threads "$thr" $smoke
            fi
            count=$((count + 1))
        done
    done <"$TSV"
    echo "smoke ($label): $count runs checked"
    [ "$count" -eq "$EXPECT_RUNS" ] || fail "smoke ($label): $count runs, expected $EXPECT_RUNS"
}

run_table default "" "" ""

# Placement and bad input.
check_run larson throughput higher 2 "" "" build/workloads/larson --pin compact --threads 2 0.05 8 1000 500 10 4141 1
check_run larson throughput higher 2 "" "" build/workloads/larson --pin scatter --threads 2 0.05 8 1000 500 10 4141 1
for bad in "--bogus" "--threads 0" "--threads x" "--pin diagonal" "1 2 3 4 5 6 7 8"; do
    # shellcheck disable=SC2086
    timeout -k 5 "$T_BAD" build/workloads/larson $bad >"$out" 2>"$err"
    rc=$?
    [ "$rc" = 2 ] || fail "larson $bad: exit $rc, want 2"
    [ "$(wc -l <"$err")" = 1 ] || fail "larson $bad: want one line on stderr"
done
timeout -k 5 "$T_BAD" build/workloads/fragprobe 4 medium >"$out" 2>"$err"; [ $? = 2 ] || fail "fragprobe bad mode: want exit 2"
timeout -k 5 "$T_BAD" build/workloads/threadtest 1 -5 >"$out" 2>"$err"; [ $? = 2 ] || fail "threadtest negative iterations: want exit 2"
for bad in "--bogus" "x" "10 5 3" "1 1 1000 1 9"; do
    # shellcheck disable=SC2086
    timeout -k 5 "$T_BAD" build/workloads/sh6bench $bad >"$out" 2>"$err"
    rc=$?
    [ "$rc" = 2 ] && [ "$(wc -l <"$err")" = 1 ] || fail "sh6bench $bad: exit $rc with $(wc -l <"$err") stderr lines, want 2 and one line"
done
for bad in "--bogus" "12x" "7" "79228162514264337593543950336" "15 21"; do
    # shellcheck disable=SC2086
    timeout -k 5 "$T_BAD" build/workloads/cfrac $bad >"$out" 2>"$err"
    rc=$?
    [ "$rc" = 2 ] && [ "$(wc -l <"$err")" = 1 ] || fail "cfrac $bad: exit $rc with $(wc -l <"$err") stderr lines, want 2 and one line"
done
# cfrac prints its verified factorisation (not an ALLOCBENCH line).
timeout -k 5 "$T_RUN" build/workloads/cfrac 706656973523905879313 >"$out" 2>"$err" &&
    grep -qx '706656973523905879313 = 698844031 \* 1011179808623' "$out" || fail "cfrac: factorisation line missing"
# sh6bench's address map (ALLOCBENCH_ADDRMAP): the two files, consistent sizes.
amdir=$(mktemp -d)
if ALLOCBENCH_ADDRMAP="$amdir" timeout -k 5 "$T_RUN" build/workloads/sh6bench 5 1 1000 1 >"$out" 2>"$err"; then
    rows=$(awk '$1 == "rows" { print $2 }' "$amdir/addrmap.txt" 2>/dev/null)
    cols=$(awk '$1 == "cols" { print $2 }' "$amdir/addrmap.txt" 2>/dev/null)
    ev=$(awk '$1 == "events" { print $2 }' "$amdir/addrmap.txt" 2>/dev/null)
    mallocs=$(sed -n 's/^ALLOCBENCH result .* mallocs=\([0-9]*\).*/\1/p' "$out")
    size=$(wc -c <"$amdir/addrmap.f32" 2>/dev/null || echo 0)
    [ -n "$rows" ] && [ "$rows" -gt 0 ] && [ "$size" = $((rows * cols * 4)) ] && [ "$ev" = $((2 * mallocs)) ] ||
        fail "sh6bench addrmap: rows=$rows cols=$cols events=$ev (want 2 x mallocs=$mallocs) f32 size=$size"
else
    fail "sh6bench with ALLOCBENCH_ADDRMAP: exit status $? ($(head -c 300 "$err"))"
fi
rm -rf "$amdir"
timeout -k 5 "$T_BAD" build/workloads/microbench --benchmark_nonsense=1 >"$out" 2>"$err"; [ $? = 2 ] || fail "microbench bad flag: want exit 2"
timeout -k 5 "$T_BAD" build/workloads/wl-topology "$out" && grep -q '<topology' "$out" || fail "wl-topology did not write XML"

# tide is part of the tree: `make test` builds it, so a missing library is
# a failure, not a skip.
if [ -f "$TIDE" ]; then
    run_table tide "$PWD/$TIDE" "/$TIDE" mallctl
else
    fail "smoke (tide): $TIDE not built"
fi

if [ "$fails" -ne 0 ]; then
    echo "test-workloads: $fails failure(s)"
    exit 1
fi
echo "test-workloads: all smoke checks passed"
