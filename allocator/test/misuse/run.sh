#!/bin/sh
# run.sh: the misuse table (README.md): every case of build/misuse/misuse
# against glibc (no preload), jemalloc, tcmalloc, mimalloc, tide
# (allocator/libtide.so) and tide with TIDE_CONF=preset:secure; then the
# rules tide must meet.
#
#   sh allocator/test/misuse/run.sh [TABLE.md]
#
# The Markdown table (rows: cases, columns: allocators; cells: detects,
# corrupts, survives, crash, timeout, or n/a for a peer library that is not
# installed) and its notes go to stdout and, when given, to TABLE.md. Then
# the checks, one PASS or FAIL line each:
#   cells   every case has a class for every allocator (cases x allocators)
#   (a)     per case that glibc detects: tide (default) detects it too, or
#           (an overflow only) the write stays inside tide's usable size,
#           which malloc_usable_size(3) lets a program use, and tide
#           preset:secure detects it
#   (b)     tide preset:secure detects more cases than any peer (glibc,
#           jemalloc, tcmalloc, mimalloc; those not installed left out)
# and a closing line `N passed, N failed`. Exit status: 0 when every check
# passes, 1 when one fails, 2 when the program or libtide.so is not built.
#
# Environment: MISUSE_BIN (default build/misuse/misuse), MISUSE_TIDE
# (allocator/libtide.so), MISUSE_JEMALLOC, MISUSE_TCMALLOC, MISUSE_MIMALLOC
# (the Debian libraries), MISUSE_TIMEOUT (seconds per case, default 10).
set -u

root=$(cd "$(dirname "$0")/../../.." && pwd)
libdir=/usr/lib/x86_64-linux-gnu
bin=${MISUSE_BIN:-$root/build/misuse/misuse}
tide=${MISUSE_TIDE:-$root/allocator/libtide.so}
jemalloc=${MISUSE_JEMALLOC:-$libdir/libjemalloc.so.2}
tcmalloc=${MISUSE_TCMALLOC:-$libdir/libtcmalloc_minimal.so.4}
mimalloc=${MISUSE_MIMALLOC:-$libdir/libmimalloc.so.2}
table=${1:-}

[ -x "$bin" ] || { echo "run.sh: $bin: not built (make all)" >&2; exit 2; }
[ -f "$tide" ] || { echo "run.sh: $tide: not built (make all)" >&2; exit 2; }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

"$bin" list > "$tmp/cases" || { echo "run.sh: $bin list failed" >&2; exit 2; }

# One column: ID TITLE LIBRARY TIDE_CONF (LIBRARY empty: no preload).
# Appends ID, TITLE, ok|na and the row file to $tmp/columns.
column() {
    id=$1 title=$2 lib=$3 conf=$4
    if [ -n "$lib" ] && [ ! -f "$lib" ]; then
        echo "run.sh: $title: $lib is not installed (scripts/setup-deps.sh installs it): column n/a" >&2
        printf '%s\t%s\tna\t%s\n' "$id" "$title" "$lib" >> "$tmp/columns"
        return
    fi
    echo "run.sh: $title ..." >&2
    if [ -z "$lib" ]; then
        env -u LD_PRELOAD -u TIDE_CONF "$bin" all > "$tmp/$id.rows" 2> "$tmp/$id.err"
    elif [ -z "$conf" ]; then
        env -u TIDE_CONF LD_PRELOAD="$lib" "$bin" all > "$tmp/$id.rows" 2> "$tmp/$id.err"
    else
        env LD_PRELOAD="$lib" TIDE_CONF="$conf" "$bin" all > "$tmp/$id.rows" 2> "$tmp/$id.err"
    fi
    rc=$?
    # What the program itself wrote to stderr (the children's stderr is
    # captured apart): e.g. tide's complaint about a TIDE_CONF it does not know.
    sed "s|^|run.sh: $title: |" "$tmp/$id.err" >&2
    [ $rc -eq 0 ] || echo "run.sh: $title: misuse all exited with status $rc" >&2
    printf '%s\t%s\tok\t%s\n' "$id" "$title" "$tmp/$id.rows" >> "$tmp/columns"
}

: > "$tmp/columns"
column glibc "glibc" "" ""
column jemalloc "jemalloc" "$jemalloc" ""
column tcmalloc "tcmalloc" "$tcmalloc" ""
column mimalloc "mimalloc" "$mimalloc" ""
column tide "tide" "$tide" ""
column secure "tide preset:secure" "$tide" "preset:secure"

table_awk='
# The table, its notes and the checks. Input files: the case names, the
# columns (ID TITLE ok|na ROWS), then each column'\''s rows (CASE CLASS NOTE).
# The table and notes go to tablef, the checks to stdout; exit 1 when a
# check fails.
function md(s) { gsub(/`/, "'\''", s); return s }
FILENAME == casesf { if ($1 != "") cases[++nc] = $1; next }
FILENAME == colsf {
    ncol++; cid[ncol] = $1; ctitle[ncol] = $2; cstat[ncol] = $3
    if ($3 == "ok") colof[$4] = ncol; else cpath[ncol] = $4
    next
}
{
    c = colof[FILENAME]
    if ($0 ~ /^# opt.preset: /) { preset[c] = substr($0, 15); next }
    if ($0 ~ /^#/ || NF < 2) next
    cls[c, $1] = $2; note[c, $1] = $3
}
END {
    valid["detects"] = valid["corrupts"] = valid["survives"] = valid["crash"] = valid["timeout"] = 1
    for (j = 1; j <= ncol; j++) col[cid[j]] = j
    cells = 0
    for (i = 1; i <= nc; i++)
        for (j = 1; j <= ncol; j++) {
            k = cases[i]
            if (cstat[j] == "na") cell[j, k] = "n/a"
            else if ((j, k) in cls && cls[j, k] in valid) cell[j, k] = cls[j, k]
            else cell[j, k] = "missing"
            if (cell[j, k] != "missing") cells++
        }

    # The table.
    hdr = "| case |"; sep = "|---|"
    for (j = 1; j <= ncol; j++) { hdr = hdr " " ctitle[j] " |"; sep = sep "---|" }
    print "## Misuse table" > tablef
    print "" > tablef
    print hdr > tablef
    print sep > tablef
    for (i = 1; i <= nc; i++) {
        line = "| " cases[i] " |"
        for (j = 1; j <= ncol; j++) line = line " " cell[j, cases[i]] " |"
        print line > tablef
    }
    print "" > tablef
    # Footnotes: tide'\''s detection messages, columns not run, the preset.
    for (j = 1; j <= ncol; j++) {
        if (cid[j] != "tide" && cid[j] != "secure") continue
        msgs = ""
        for (i = 1; i <= nc; i++)
            if (cell[j, cases[i]] == "detects")
                msgs = msgs (msgs == "" ? "" : "; ") cases[i] ": `" md(note[j, cases[i]]) "`"
        print "- " ctitle[j] " detection messages: " (msgs == "" ? "none." : msgs) > tablef
    }
    for (j = 1; j <= ncol; j++)
        if (cstat[j] == "na") print "- " ctitle[j] ": n/a, " cpath[j] " is not installed." > tablef
    if (("secure" in col) && cstat[col["secure"]] == "ok" && preset[col["secure"]] != "secure")
        print "- tide preset:secure ran with opt.preset = `" md(preset[col["secure"]]) "`: this tide does not know the preset, the column measures its default." > tablef
    print "" > tablef
    print "Notes (the first stderr line for detects; else what the case found or saw):" > tablef
    print "" > tablef
    for (j = 1; j <= ncol; j++)
        for (i = 1; i <= nc; i++) {
            k = cases[i]
            if (cstat[j] == "na" || note[j, k] == "") continue
            print "- " ctitle[j] ", " k " (" cell[j, k] "): " md(note[j, k]) > tablef
        }
    close(tablef)

    # The checks.
    pass = fail = 0
    want = nc * ncol
    if (nc > 0 && cells == want) { print "PASS: cells: " cells " of " want " (" nc " cases x " ncol " allocators)"; pass++ }
    else {
        miss = ""
        for (i = 1; i <= nc; i++) for (j = 1; j <= ncol; j++)
            if (cell[j, cases[i]] == "missing") miss = miss " " ctitle[j] "/" cases[i]
        print "FAIL: cells: " cells " of " want " (" nc " cases x " ncol " allocators); no class for:" miss
        fail++
    }
    g = col["glibc"]; t = col["tide"]; s = col["secure"]
    missed = ""
    for (i = 1; i <= nc; i++) {
        k = cases[i]
        if (cell[g, k] != "detects") continue
        if (cell[t, k] == "detects") { print "PASS: (a) " k ": glibc detects it, tide detects it"; pass++ }
        else if (cell[t, k] == "survives" && index(note[t, k], "stays inside it") && cell[s, k] == "detects") {
            # glibc sees these writes because its usable size for the request
            # is the request itself; in tide they stay inside the
            # usable size of the block, which malloc_usable_size(3) lets a
            # program use.
            # Only a canary placed at the request sees them: preset:secure.
            print "PASS: (a) " k ": glibc detects it; in tide (default) the write stays inside malloc_usable_size, which a program may use; tide preset:secure detects it"; pass++
        }
        else { print "FAIL: (a) " k ": glibc detects it, tide " cell[t, k]; fail++; missed = missed " " k }
    }
    if (missed != "") print "rule (a) does not hold: tide (default) does not detect" missed ", which glibc detects"
    nsec = 0
    for (i = 1; i <= nc; i++) if (cell[s, cases[i]] == "detects") nsec++
    best = -1; bestname = ""; npeers = 0
    for (j = 1; j <= ncol; j++) {
        if (j == t || j == s || cstat[j] != "ok") continue
        npeers++; n = 0
        for (i = 1; i <= nc; i++) if (cell[j, cases[i]] == "detects") n++
        if (n > best) { best = n; bestname = ctitle[j] } else if (n == best) bestname = bestname ", " ctitle[j]
    }
    if (npeers == 0) { print "FAIL: (b) no peer allocator could be run"; fail++ }
    else if (nsec > best) { print "PASS: (b) tide preset:secure detects " nsec " cases, more than any peer (at most " best ": " bestname ")"; pass++ }
    else {
        print "FAIL: (b) tide preset:secure detects " nsec " cases, not more than " bestname " (" best ")"
        print "rule (b) does not hold: tide preset:secure must detect more than " best " of the " nc " cases"
        fail++
    }
    if (npeers < 4) print "note: (b) compared against " npeers " peers; the others are not installed"
    print pass " passed, " fail " failed"
    exit (fail > 0 ? 1 : 0)
}
'

rows=$(awk -F '\t' '$3 == "ok" { print $4 }' "$tmp/columns")
# shellcheck disable=SC2086 # the row files' names have no blanks (mktemp)
awk -F '\t' -v casesf="$tmp/cases" -v colsf="$tmp/columns" -v tablef="$tmp/table.md" \
    "$table_awk" "$tmp/cases" "$tmp/columns" $rows > "$tmp/checks"
status=$?

cat "$tmp/table.md"
if [ -n "$table" ]; then
    mkdir -p "$(dirname "$table")" && cp "$tmp/table.md" "$table" && echo "(written to $table)"
fi
echo
cat "$tmp/checks"
[ $status -le 1 ] || { echo "run.sh: the table script failed (status $status)" >&2; exit 2; }
exit $status
