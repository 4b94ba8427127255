#!/usr/bin/env python3
"""Free bytes pinned in partly used slabs of the classes fragprobe small's
refill cannot use (above 1024 B), from the statistics printed at the end of
phase B (fragprobe-small-stats.txt, merged bins table).

Every slab of those classes was made in phase A (the refill asks 17..1016 B
only). Phase F frees each block with probability 0.9; a slab page stays
resident iff a surviving block overlaps it (scavenging gives the others
back). With p = curregs / (nslabs * nregs) per class, the expected resident
bytes of a slab are sum over its pages of 4096 * (1 - (1 - p)^k), k the
blocks overlapping the page; the pinned free bytes are that minus the live
blocks.   Usage: pinned-model.py fragprobe-small-stats.txt
"""
import sys

rows, seen = [], False
for line in open(sys.argv[1]):
    f = line.split()
    if line.startswith("bins:"):
        if seen:
            break
        seen = True
        continue
    if seen and len(f) == 12 and f[0].isdigit():
        rows.append([int(f[1]), int(f[2]), int(f[3]), int(f[8]), int(f[10])])   # size nregs slab nslabs curregs
total_pinned = total_live = 0.0
print("class  slabs  live_MiB  resident_MiB  pinned_free_MiB")
for size, nregs, slab, nslabs, curregs in rows:
    if size <= 1024 or nslabs == 0:
        continue
    p = curregs / (nslabs * nregs)
    res = 0.0
    for pg in range(slab // 4096):
        lo, hi = pg * 4096, (pg + 1) * 4096
        k = sum(1 for b in range(nregs) if b * size < hi and (b + 1) * size > lo)
        res += 4096 * (1 - (1 - p) ** k)
    res *= nslabs
    live = curregs * size
    total_pinned += res - live
    total_live += live
    print("%5d %6d %9.1f %13.1f %16.1f" % (size, nslabs, live / 2**20, res / 2**20, (res - live) / 2**20))
print("total: live %.1f MiB, pinned free %.1f MiB" % (total_live / 2**20, total_pinned / 2**20))
