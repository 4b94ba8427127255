#!/usr/bin/env python3
"""perf-table.py RESULTS: the README's performance table (1 thread) from one
allocbench results folder of the full table run (summary.csv, medians) and
its -extra folder (redis-frag.txt, fastpath.txt, fastpath-before.txt). tide-before, when the set
has it, gives a column of tide before the change the set measures."""
import csv
import re
import sys

if len(sys.argv) != 2:
    sys.exit("usage: perf-table.py RESULTS")
d = sys.argv[1].rstrip("/")
try:
    rows = list(csv.DictReader(open(d + "/summary.csv")))
    redis = open(d + "-extra/redis-frag.txt").read()
    fast = open(d + "-extra/fastpath.txt").read()
    fast0 = open(d + "-extra/fastpath-before.txt").read() if __import__("os").path.exists(d + "-extra/fastpath-before.txt") else ""
except OSError as e:
    sys.exit("perf-table.py: %s" % e)
med = {(r["workload"], r["allocator"]): float(r["value_median"]) for r in rows if r["threads"] == "1" and r["value_median"]}
peers = ["glibc", "jemalloc", "tcmalloc", "mimalloc"]
spec = [("larson", "larson `5 8 1000 5000 100 4141 1` (ops/s)", "higher", 1e6, "M"),
        ("threadtest", "threadtest `1 5000 10000 0 8` (s)", "lower", 1, ""),
        ("prodcons", "prodcons, 64 B, 1 + 1 (M frees/s)", "higher", 1, ""),
        ("glibc-simple", "glibc-simple `2000000` (s)", "lower", 1, ""),
        ("fragprobe-small", "fragprobe 1 GiB, small refill (RSS/live)", "lower", 1, ""),
        ("fragprobe-mixed", "fragprobe 1 GiB, mixed refill (RSS/live)", "lower", 1, "")]
fmt = lambda v, sc, suf: ("%.1f%s" % (v / sc, suf)) if sc > 1 else ("%.3f" % v)
print("| workload (1 thread, median of 5) | best peer | jemalloc | tide before | tide |")
print("|---|---|---|---|---|")
for w, label, better, sc, suf in spec:
    pv = [(med[(w, p)], p) for p in peers if (w, p) in med]
    best = (max if better == "higher" else min)(pv)
    before = fmt(med[(w, "tide-before")], sc, suf) if (w, "tide-before") in med else "-"
    print("| %s | %s %s | %s | %s | **%s** |" % (label, best[1], fmt(best[0], sc, suf), fmt(med[(w, "jemalloc")], sc, suf),
                                               before, fmt(med[(w, "tide")], sc, suf)))
rss = {l.split()[0]: l.split() for l in redis.splitlines() if len(l.split()) == 6}
if "tide" in rss and "jemalloc" in rss:
    print("| Redis 1M keys, 80 %% deleted, RSS 12 s later (MiB) | jemalloc %s | %s | %s | **%s** |"
          % (rss["jemalloc"][5], rss["jemalloc"][5], rss.get("tide-before", ["-"] * 6)[5], rss["tide"][5]))
hit = re.compile(r"malloc\(32\) ([\d.]+) instructions, free ([\d.]+)")
m, m0 = hit.search(fast), hit.search(fast0)
if m:
    print("| malloc / free hit path (instructions, callgrind) | - | - | %s | **%s / %s** |"
          % ("%s / %s" % m0.groups() if m0 else "-", m.group(1), m.group(2)))
