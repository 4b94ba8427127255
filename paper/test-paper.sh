#!/bin/sh
# paper/test-paper.sh OUT: after `make paper-build PAPER_OUT=OUT` built the
# paper, check the PDF, then prove that the build fails on bad sources: a
# copy of paper/ with a number typed in the prose, and one that cites a
# results set that is not committed (both must stop at the check).
set -u
out=$1
fail() { echo "test-paper: FAIL: $*"; exit 1; }
[ -s "$out/paper.pdf" ] || fail "no $out/paper.pdf"
head -c 5 "$out/paper.pdf" | grep -q '%PDF-' || fail "$out/paper.pdf is not a PDF"
tmp=$(mktemp -d /tmp/test-paper.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
bad() {   # bad NAME SED-EXPRESSION EXPECTED-MESSAGE
    mkdir -p "$tmp/$1"
    cp paper/*.tex paper/*.bib "$tmp/$1/"
    sed -i "$2" "$tmp/$1/sec-peers.tex"
    if make --no-print-directory paper-build PAPER_SRC="$tmp/$1" PAPER_OUT="$tmp/$1/out" >"$tmp/$1.log" 2>&1; then
        fail "the build passed with $1 sources (log: $tmp/$1.log)"
    fi
    grep -q "$3" "$tmp/$1.log" || { cat "$tmp/$1.log"; fail "$1: the build failed, but not at the check"; }
    [ -e "$tmp/$1/out/paper.pdf" ] && fail "$1: a PDF was built"
    return 0
}
bad typed-number 's/^\\subsection{Speed}$/\\subsection{Speed}\nIn 17 of the cells tide is fastest./' "a number typed in the prose ('17')"
bad uncommitted-set 's/\\fromset{20261207T232408Z-vm}/\\fromset{20991231T000000Z-nosuch}/' "not committed"
echo "test-paper: the paper builds; a typed number and an uncommitted set fail the build"
