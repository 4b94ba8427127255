#!/bin/sh
# test-reproduce.sh: a smoke run of every stage of `make reproduce` at tiny
# scale (smoke arguments, one repetition, threads 1-2, clients 5 and 10),
# then checks that the set holds every part: each stage's runs with status ok
# for every allocator, the figures (PNG and PDF), the tables, the stats dump
# in the paper's layout, the fig9 maps, and claims.csv with C1..C10 each
# with a verdict; that no database server is left running; that `claims` on
# a folder with no results fails with one line; and that SIGINT in the
# middle leaves a set whose finished rows are kept and no server running.
set -u
cd "$(dirname "$0")/.." || exit 1
out=$(mktemp -d /tmp/tide-repro-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
fails=0 checks=0
ck() { checks=$((checks + 1)); if eval "$2"; then :; else echo "FAIL: $1"; fails=$((fails + 1)); fi; }

timeout -k 10 900 python3 scripts/reproduce.py run --smoke --out "$out" >"$out/log" 2>&1
rc=$?
ck "smoke run exits 0 (rc $rc; see the log below)" '[ $rc = 0 ]'
set -- "$out"/*-repro-smoke
d=$1
ck "the set folder exists" '[ -d "$d" ]'
for st in fig6-unpinned fig6-spread fig7 fig8-long fig8-short; do
    ck "$st: runs.csv" '[ -s "$d/$st/runs.csv" ]'
    ck "$st: every run ok" '[ -s "$d/$st/runs.csv" ] && ! awk -F, "NR>1 && \$12==0 && \$13!=\"ok\"" "$d/$st/runs.csv" | grep -q .'
    ck "$st: 7 allocators" '[ "$(awk -F, "NR>1{print \$5}" "$d/$st/runs.csv" 2>/dev/null | sort -u | wc -l)" = 7 ]'
done
for f in fig6-unpinned fig6-spread fig7 fig8; do
    ck "figure $f.png" '[ -s "$d/figures/$f.png" ]'
    ck "figure $f.pdf" '[ -s "$d/figures/$f.pdf" ]'
done
ck "four fig9 maps" '[ "$(ls "$d"/figures/fig9-*.png 2>/dev/null | wc -l)" = 4 ]'
ck "each fig9 map has its rows and address range (not an empty frame)" '[ "$(grep -l "^rows=[2-9]\|^rows=[1-9][0-9]" "$d"/figures/data/fig9-*.vars.gp 2>/dev/null | wc -l)" = 4 ] && ! grep -q "^first=.?.$" "$d"/figures/data/fig9-*.vars.gp'
ck "tables.md has five programs" '[ "$(grep -c "^## " "$d/tables.md")" -ge 6 ]'
ck "stats dump in the paper layout" 'grep -q "run_sz" "$d/stats-dump.txt" && grep -q "hiruns" "$d/stats-dump.txt"'
ck "claims.csv: C1..C10" '[ "$(awk -F, "NR>1{print \$1}" "$d/claims.csv" | tr "\n" " ")" = "C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 " ]'
ck "claims.md: ten rows with a verdict" '[ "$(grep -cE "\| (yes|no|not checkable on this machine|informational)" "$d/claims.md")" = 10 ]'
ck "claims name their repetitions" '! awk -F, "NR>1 && \$6==\"\"" "$d/claims.csv" | grep -q .'
ck "no database server left" '! pgrep -f "mariadbd.*dbbench-" >/dev/null'
mkdir -p "$out/empty"
python3 scripts/reproduce.py claims "$out/empty" >"$out/e.out" 2>"$out/e.err"
erc=$?
ck "claims on an empty folder fails with one line" '[ $erc != 0 ] && [ "$(wc -l <"$out/e.err")" = 1 ]'

# SIGINT during the server stage: finished rows kept, no server left.
python3 scripts/reproduce.py run --smoke --out "$out/int" >"$out/int.log" 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ] && ! grep -q "stage fig7" "$out/int.log" 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
sleep 2
kill -INT $pid
wait $pid
rc=$?
ck "SIGINT: exit 130 (rc $rc)" '[ $rc = 130 ]'
set -- "$out"/int/*-repro-smoke
di=$1
ck "SIGINT: fig6 rows kept" '[ -s "$di/fig6-unpinned/runs.csv" ]'
sleep 1
ck "SIGINT: no database server left" '! pgrep -f "mariadbd.*dbbench-" >/dev/null'

expect=37
if [ "$fails" != 0 ] || [ "$checks" != "$expect" ]; then
    echo "test-reproduce: $fails of $checks checks failed (expected $expect checks)"
    tail -n 30 "$out/log"
    exit 1
fi
echo "test-reproduce: all $checks checks passed ($d)"
