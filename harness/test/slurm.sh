#!/bin/sh
# slurm.sh: allocbench's Slurm executor on a private single-node Slurm
# cluster (scripts/slurm-cluster.sh; part of `make test` as test-slurm).
#  1. a smoke matrix through the cluster, as one job array with a merge job:
#     the merged set has the cells, statuses and row counts of the same
#     matrix run locally; every task recorded its host, topology and CPUs;
#  2. a task killed on purpose (scancel of one array task) leaves its runs
#     as lost rows with Slurm's reason, the rest merged; resume completes
#     them and keeps every finished row; scancel of the whole array leaves a
#     mergeable partial set;
#  3. two sets with different machine tags merge into one; report and plot
#     show the machines apart;
#  4. bad input: one line on stderr, non-zero exit, no results folder.
# Needs root and the packages munge slurmctld slurmd slurm-client. The
# cluster is stopped on every exit path. With no failure, exactly EXPECT
# checks must have run.
set -u
ABIN=build/harness/allocbench
EXPECT=36
AB="timeout -k 5 120 $ABIN"
ROOT=$(pwd)
T=$(mktemp -d /tmp/ab-slurm-XXXXXX)
C="$T/cluster"
cleanup() { sh scripts/slurm-cluster.sh stop "$C" >/dev/null 2>&1; [ -n "${AB_SLURM_KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
checks=0 fails=0
ck() { checks=$((checks + 1)); if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fails=$((fails + 1)); fi; }
t0=$(date +%s)

[ -x "$ABIN" ] || { echo "slurm: $ABIN not built"; exit 1; }
if [ "$(id -u)" != 0 ] || ! [ -x /usr/sbin/slurmctld ] || ! command -v sbatch >/dev/null 2>&1; then
    echo "slurm: needs root and the packages munge slurmctld slurmd slurm-client (scripts/setup-deps.sh)"; exit 1
fi

# cols FILE NAME...: the named columns of a runs.csv-like file (no quoted
# commas before 'note', its last column), comma-separated.
cols() {
    f=$1; shift
    awk -F, -v want="$*" 'NR == 1 { n = split(want, w, " "); for (i = 1; i <= NF; i++) h[$i] = i; next }
        { s = ""; for (k = 1; k <= n; k++) s = s (k > 1 ? "," : "") $(h[w[k]]); print s }' "$f"
}
# wait_for SECONDS COMMAND: poll every 0.1 s until COMMAND succeeds.
wait_for() {
    n=$(($1 * 10)); shift
    while [ $n -gt 0 ]; do eval "$1" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}

echo "allocbench slurm: a private single-node cluster"
sh scripts/slurm-cluster.sh start "$C" >"$T/start.log" 2>&1
rc=$?
ck "munged, slurmctld and slurmd start and the node is idle (exit $rc)" '[ $rc = 0 ]'
[ $rc = 0 ] || { cat "$T/start.log"; exit 1; }
. "$C/env"

echo "allocbench slurm: a smoke matrix as one job array, merged"
M="--suite smoke --workloads larson,threadtest,glibc-simple --allocators glibc,locked --threads 1,2 --reps 2 --warmup 1 --no-calibrate"
$AB run $M --out "$T/local" >"$T/local.out" 2>"$T/local.err"
rc=$?
ck "the matrix runs locally (exit $rc)" '[ $rc = 0 ]'
$AB run $M --executor slurm --share --tasks 3 --wait --out "$T/sl" >"$T/sl.out" 2>"$T/sl.err"
rc=$?
S=$(sed -n 's/^results: //p' "$T/sl.out")
ck "run --executor slurm --wait: exit $rc, results in a folder" '[ $rc = 0 ] && [ -n "$S" ] && [ -s "$S/runs.csv" ]'
ck "the plan is in the folder (plan.tsv: 30 runs, plan.args)" '[ "$(($(wc -l <"$S/plan.tsv") - 1))" = 30 ] && [ -s "$S/plan.args" ]'
ck "one job array of 3 tasks and a merge job" 'grep -q "tasks=3 merge=" "$S/slurm/attempt-0.jobs" && [ "$(ls "$S"/slurm/a0-*_[0-9]*.out | wc -l)" = 3 ] && ls "$S"/slurm/a0-merge-*.out >/dev/null'
L="$T/local/latest/runs.csv"
cols "$L" run_id workload allocator threads rep warmup status >"$T/l.cells"
cols "$S/runs.csv" run_id workload allocator threads rep warmup status >"$T/s.cells"
ck "the merged set has the local run's runs, cells and statuses, in plan order ($(wc -l <"$T/s.cells") rows)" 'cmp -s "$T/l.cells" "$T/s.cells"'
cut -d, -f1-3,6,7 "$T/local/latest/summary.csv" >"$T/l.sum"
cut -d, -f1-3,6,7 "$S/summary.csv" >"$T/s.sum"
ck "summary.csv: the same cells with the same ok and failed counts" 'cmp -s "$T/l.sum" "$T/s.sum"'
ck "every run's output and RSS timeline is in the merged set" '[ "$(ls "$S/timeline" | wc -l)" = 30 ] && [ "$(ls "$S"/runs/*.out | wc -l)" = 30 ]'
np=0
for t in "$S"/parts/a0-t*; do
    [ -s "$t/topology.xml" ] && grep -q '^host=.' "$t/task.txt" && grep -q '^cpus=[0-9]' "$t/task.txt" \
        && grep -q '^state=done' "$t/task.txt" && grep -q '^array_job=[0-9]' "$t/task.txt" && np=$((np + 1))
done
ck "each of the 3 tasks recorded its host, topology.xml, CPU set and job" '[ $np = 3 ]'
ck "meta.json: state complete, 30 runs" 'grep -q "\"state\": \"complete\"" "$S/meta.json" && grep -q "\"runs\": 30," "$S/meta.json"'
$AB plot "$S" >"$T/plot.out" 2>&1
rc=$?
ck "plot draws the merged set's figures (exit $rc)" '[ $rc = 0 ] && [ -s "$S/figures/scal-larson.png" ] && [ -s "$S/figures/fig8-time-rss.pdf" ]'

echo "allocbench slurm: a task killed on purpose, resume"
# slowfake sleeps while $T/slow exists: its task is still running when it is cancelled
cat >"$T/slowwork" <<EOF
#!/bin/sh
[ -f "$T/slow" ] && sleep 60
exec "$ROOT/build/harness/fakework" "\$@"
EOF
chmod +x "$T/slowwork"
printf 'name\tbinary\tkind\tmetric\tbetter\tquick_args\tfull_args\tsmoke_args\n' >"$T/kill.tsv"
printf 'fake\t%s\tc\tops_per_s\thigher\tok 30\tok 30\tok 30\n' "$ROOT/build/harness/fakework" >>"$T/kill.tsv"
printf 'slowfake\t%s\tc\tops_per_s\thigher\tok 30\tok 30\tok 30\n' "$T/slowwork" >>"$T/kill.tsv"
K="--registry $T/kill.tsv --workloads fake,slowfake --allocators glibc,locked --threads 1 --reps 2 --warmup 0 --no-calibrate --suite smoke"
touch "$T/slow"
$AB run $K --executor slurm --share --tasks 2 --out "$T/kill" >"$T/kill.out" 2>"$T/kill.err"
rc=$?
D=$(sed -n 's/^results: //p' "$T/kill.out")
A=$(sed -n 's/^array=\([0-9]*\) .*/\1/p' "$D/slurm/attempt-0.jobs" 2>/dev/null)
wait_for 30 'grep -q "^state=done" "$D/parts/a0-t0/task.txt" 2>/dev/null && [ -f "$D/parts/a0-t1/task.txt" ]'
ck "submitted without --wait (exit $rc); task 0 done, task 1 running" '[ $rc = 0 ] && [ -n "$A" ] && grep -q "^state=running" "$D/parts/a0-t1/task.txt"'
scancel "${A}_1"
wait_for 30 '[ -f "$D/slurm/merged-0" ]'
ck "the merge job ran after the killed task" '[ -f "$D/slurm/merged-0" ]'
cols "$D/runs.csv" workload status >"$T/k.st"
ck "the killed task's 4 runs are lost rows with Slurm's reason, the other 4 ok" '[ "$(grep -c "^slowfake,lost" "$T/k.st")" = 4 ] && [ "$(grep -c "^fake,ok" "$T/k.st")" = 4 ] && [ "$(grep -c "lost,.*CANCELLED" "$D/runs.csv")" = 4 ]'
ck "meta.json: state partial" 'grep -q "\"state\": \"partial\"" "$D/meta.json"'
grep '^r[0-9]*,.*,fake,' "$D/runs.csv" >"$T/fake.before"
rm -f "$T/slow"
$AB resume "$D" --wait >"$T/res.out" 2>"$T/res.err"
rc=$?
ck "resume --wait: exit $rc, attempt 1 submitted only the 4 missing runs" '[ $rc = 0 ] && [ "$(wc -l <"$D/slurm/attempt-1.tsv")" = 4 ]'
ck "after resume every run is ok, in plan order" '[ "$(cols "$D/runs.csv" status | grep -c "^ok$")" = 8 ] && [ "$(cols "$D/runs.csv" run_id | tr "\n" " ")" = "r00001 r00002 r00003 r00004 r00005 r00006 r00007 r00008 " ]'
grep '^r[0-9]*,.*,fake,' "$D/runs.csv" >"$T/fake.after"
ck "no finished row was lost or replaced" 'cmp -s "$T/fake.before" "$T/fake.after"'
ck "meta.json: state complete after resume" 'grep -q "\"state\": \"complete\"" "$D/meta.json"'
$AB resume "$D" >"$T/res2.out" 2>"$T/res2.err"
rc=$?
ck "resume of a complete set submits nothing (exit $rc)" '[ $rc = 0 ] && grep -q "nothing to resume" "$T/res2.err" && [ ! -f "$D/slurm/attempt-2.tsv" ]'

touch "$T/slow"
$AB run $K --executor slurm --share --tasks 2 --out "$T/cancel" >"$T/can.out" 2>"$T/can.err"
D2=$(sed -n 's/^results: //p' "$T/can.out")
A2=$(sed -n 's/^array=\([0-9]*\) .*/\1/p' "$D2/slurm/attempt-0.jobs" 2>/dev/null)
wait_for 30 'grep -q "^state=done" "$D2/parts/a0-t0/task.txt" 2>/dev/null && [ -f "$D2/parts/a0-t1/task.txt" ]'
scancel "$A2"
wait_for 30 '[ -f "$D2/slurm/merged-0" ]'
rm -f "$T/slow"
cols "$D2/runs.csv" workload status >"$T/c.st" 2>/dev/null
ck "scancel of the whole array leaves a merged partial set (4 ok, 4 lost)" '[ "$(grep -c "^fake,ok" "$T/c.st")" = 4 ] && [ "$(grep -c "^slowfake,lost" "$T/c.st")" = 4 ]'

echo "allocbench slurm: sets of two machines merged"
$AB merge --out "$T/two" "$T/local/latest@classA" "$S@classB" >"$T/two.out" 2>"$T/two.err"
rc=$?
ck "merge --out of two tagged sets (exit $rc)" '[ $rc = 0 ] && [ "$(($(wc -l <"$T/two/runs.csv") - 1))" = 60 ]'
ck "rows tagged by machine, run ids unique" '[ "$(cols "$T/two/runs.csv" machine | sort | uniq -c | awk "{print \$1 \$2}" | tr "\n" " ")" = "30classA 30classB " ] && [ -z "$(cols "$T/two/runs.csv" run_id | sort | uniq -d)" ]'
$AB report "$T/two" >"$T/two.rep" 2>&1
ck "report shows the two machines apart" 'grep -q "machine 1 of 2: classA" "$T/two.rep" && grep -q "machine 2 of 2: classB" "$T/two.rep" && [ "$(grep -c "^larson  *1 " "$T/two.rep")" = 4 ]'
ck "summary.csv: one row per machine and cell" '[ "$(grep -c ",classA$" "$T/two/summary.csv")" = 12 ] && [ "$(grep -c ",classB$" "$T/two/summary.csv")" = 12 ]'
$AB plot "$T/two" >"$T/two.plot" 2>&1
rc=$?
ck "plot draws one scalability panel per machine (exit $rc)" '[ $rc = 0 ] && [ -s "$T/two/figures/machine-1/scal-larson.png" ] && [ -s "$T/two/figures/machine-2/scal-larson.png" ] && grep -q "classB" "$T/two/figures/machines.tsv"'

echo "allocbench slurm: bad input: one line on stderr, non-zero exit"
badcase() {  # name expected-substring command...
    name=$1; want=$2; shift 2
    "$@" >"$T/b.out" 2>"$T/b.err"
    rc=$?
    ck "$name: $(head -c 150 "$T/b.err")" '[ $rc != 0 ] && [ "$(wc -l <"$T/b.err")" = 1 ] && grep -q -- "$want" "$T/b.err" && [ ! -e "$T/bad" ]'
}
mkdir -p "$T/nopath"
badcase "no Slurm on the PATH" "sbatch is not on the PATH" env PATH="$T/nopath" $ABIN run $M --executor slurm --out "$T/bad"
badcase "unknown partition" "unknown partition 'nosuch'" $AB run $M --executor slurm --partition nosuch --out "$T/bad"
sed 's/^SlurmctldPort=.*/SlurmctldPort=9/' "$C/slurm.conf" >"$T/dead.conf"
badcase "unreachable controller" "controller does not answer" env SLURM_CONF="$T/dead.conf" $AB run $M --executor slurm --out "$T/bad"
cp -r "$S" "$T/corrupt"
printf 'r00099,"unclosed\n' >>"$T/corrupt/parts/a0-t1/runs.csv"
badcase "corrupt partial set" "corrupt partial set" $AB merge "$T/corrupt"
badcase "merge of a folder that is not a set" "not a results set" $AB merge --out "$T/bad" "$T/nopath"
badcase "resume of a local set" "not a Slurm results folder" $AB resume "$T/local/latest"
badcase "--wait without the Slurm executor" "need --executor slurm" $AB run $M --wait --out "$T/bad"

echo "allocbench slurm: the regression gate's long form"
$AB regress --executor slurm --sbatch-args "--time=5" --base glibc --head locked --workloads glibc-simple \
    --suite smoke --rounds 3 --no-instructions --out "$T/rg" --json "$T/rg.json" >"$T/rg.out" 2>"$T/rg.err"
rc=$?
ck "regress --executor slurm judges glibc against locked through job arrays (exit $rc)" '[ $rc -le 1 ] && grep -q "glibc-simple t=1 value" "$T/rg.out" && ls "$T"/rg/*/plan.tsv >/dev/null 2>&1'
badcase "regress --budget with Slurm" "is for the local executor" $AB regress --executor slurm --budget 60 --base glibc --head locked

sh scripts/slurm-cluster.sh stop "$C"
ck "the cluster stops and leaves no Slurm process of its own" '! [ -f "$C/slurmd.pid" ] && ! [ -f "$C/slurmctld.pid" ] && ! [ -f "$C/munged.pid" ]'

t1=$(date +%s)
if [ "$checks" -ne "$EXPECT" ]; then
    echo "  FAIL $checks checks ran, expected $EXPECT (a check vanished or was added without updating EXPECT)"
    fails=$((fails + 1))
fi
if [ "$fails" -ne 0 ]; then echo "allocbench slurm: $fails failure(s) of $checks checks ($((t1 - t0)) s)"; exit 1; fi
echo "allocbench slurm: all $checks checks passed ($((t1 - t0)) s)"
