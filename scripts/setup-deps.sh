#!/bin/sh
# Install the Debian packages that building, testing and benchmarking need.
# Idempotent and quiet: it does nothing when every package is present, and
# prints one line per install otherwise. Needs root (or sudo) only to install.
#
#   sh scripts/setup-deps.sh         what make, make test and make bench need
#   sh scripts/setup-deps.sh paper   TeX Live for make paper (paper/paper.mk)
set -eu

PKGS="gcc g++ clang make pkg-config git python3 valgrind
check
libhwloc-dev hwloc
libbenchmark-dev
gnuplot-nox
libjemalloc2 libjemalloc-dev
libmimalloc2.0 libmimalloc-dev
libtcmalloc-minimal4 libgoogle-perftools-dev
redis-server redis-tools
libclang-rt-14-dev
zlib1g-dev
ghostscript perl sqlite3 lua5.4 z3
mariadb-server mariadb-client sysbench
munge slurmctld slurmd slurm-client"

# The paper's TeX Live: only when the paper is built. Times, Helvetica and
# Courier (psnfss, texlive-fonts-recommended), TikZ (texlive-pictures).
if [ "${1:-}" = paper ]; then
    PKGS="latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended texlive-pictures"
elif [ -n "${1:-}" ]; then
    echo "setup-deps: unknown mode '$1' (none, or paper)" >&2
    exit 2
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "setup-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup-deps: not root and no sudo; install manually:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# A package-manager service start inside a container is not wanted: the
# harness starts redis-server itself, on 127.0.0.1 only.
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends $missing >/tmp/setup-deps.log 2>&1 || {
    echo "setup-deps: apt-get install failed; see /tmp/setup-deps.log" >&2
    tail -n 20 /tmp/setup-deps.log >&2
    exit 1
}
