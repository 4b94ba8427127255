# tide-residency.py: where a tide process's resident memory is, page by page.
#
# A gdb Python script, run by scripts/tide-residency.sh at a breakpoint of a
# program with libtide.so preloaded (built with -g, as the Makefile builds it).
# It walks every arena's chunks through tide's own structures (arena.h:
# chunk.page_slab[], struct slab) and reads /proc/PID/pagemap (bit 63: the
# page is present) for each page, then /proc/PID/smaps for the rest of the
# process. Prints, in MiB of resident memory:
#   - chunk headers, free pages, large runs;
#   - for each small class: its slabs' pages, the resident ones, the bytes of
#     blocks counted used (handed out, or cached in a thread's bins), and the
#     difference (resident free space in slabs, "pinned" when a slab's pages
#     stay resident for the few blocks still live on them);
#   - every other mapping: tide's base metadata (anonymous mappings outside
#     the chunks) and the program's own.
# Nothing is written to the inferior; reading is racy only if other threads
# run (stop them at the breakpoint: gdb does, all-stop mode).
import collections
import re
import struct

import gdb

MiB = float(1 << 20)
PAGE = 4096


def run():
    inf = gdb.selected_inferior()
    pid = inf.pid
    pm = open("/proc/%d/pagemap" % pid, "rb")

    def present(addr, n):
        pm.seek((addr // PAGE) * 8)
        data = pm.read(8 * n)
        return [(struct.unpack_from("<Q", data, 8 * i)[0] >> 63) & 1 for i in range(n)]

    narenas = int(gdb.parse_and_eval("'arena.c'::narenas"))
    arenas = gdb.parse_and_eval("'arena.c'::arenas")
    npages = int(gdb.parse_and_eval("sizeof(((struct chunk *)0)->page_slab) / sizeof(void *)"))
    chunk_size = npages * PAGE
    run_slab, run_large = 1, 2
    hdrs = {}

    def header(ptr):
        h = hdrs.get(ptr)
        if h is None:
            s = gdb.parse_and_eval("*(struct slab *)%d" % ptr)
            h = (int(s["kind"]), int(s["block_size"]), int(s["npages"]), int(s["base"]), int(s["used"]))
            hdrs[ptr] = h
        return h

    hdr = free = large = large_pages = nlarge = nchunks = 0
    cls_pages = collections.Counter()
    cls_res = collections.Counter()
    cls_used = collections.Counter()
    chunk_lo = []
    for a in range(narenas):
        c = arenas[a]["chunks"]
        while int(c):
            base = int(c)
            nchunks += 1
            chunk_lo.append(base)
            hp = int(c["header_pages"])
            res = present(base, npages)
            hdr += sum(res[:hp])
            table = inf.read_memory(int(c["page_slab"].address), 8 * npages).tobytes()
            i = hp
            while i < npages:
                kind, bs, n, rbase, used = header(struct.unpack_from("<Q", table, 8 * i)[0])
                if kind in (run_slab, run_large) and rbase == base + i * PAGE:
                    r = sum(res[i:i + n])
                    if kind == run_slab:
                        cls_pages[bs] += n
                        cls_res[bs] += r
                        cls_used[bs] += used * bs
                    else:
                        large += r
                        large_pages += n
                        nlarge += 1
                    i += n
                else:
                    free += res[i]
                    i += 1
            c = c["next"]

    print("tide residency, pid %d: %d arenas, %d chunks of %d KiB" % (pid, narenas, nchunks, chunk_size // 1024))
    print("  chunk headers        %9.2f MiB resident" % (hdr * PAGE / MiB))
    print("  free pages           %9.2f MiB resident" % (free * PAGE / MiB))
    print("  large runs (%6d)   %9.2f MiB resident of %.2f MiB" % (nlarge, large * PAGE / MiB, large_pages * PAGE / MiB))
    print("  small classes:   size  slab_MiB  resident_MiB  used_blocks_MiB  resident_free_MiB")
    tot_res = tot_used = 0
    for bs in sorted(cls_pages):
        r, u = cls_res[bs] * PAGE, cls_used[bs]
        tot_res += r
        tot_used += u
        print("                 %6d %9.2f %13.2f %16.2f %18.2f" % (bs, cls_pages[bs] * PAGE / MiB, r / MiB, u / MiB, (r - u) / MiB))
    print("  slabs in all: %.2f MiB resident, %.2f MiB in used blocks, %.2f MiB resident free space" %
          (tot_res / MiB, tot_used / MiB, (tot_res - tot_used) / MiB))

    # The rest of the process, from smaps: tide's chunks are whole
    # chunk_size-aligned slots; other anonymous mappings are tide's base
    # metadata (and the page map) or the program's.
    in_chunk = set(chunk_lo)
    other = collections.Counter()
    chunks_rss = 0
    cur = None
    for line in open("/proc/%d/smaps" % pid):
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
        if m:
            lo, hi, name = int(m.group(1), 16), int(m.group(2), 16), m.group(4).strip()
            if all(p in in_chunk for p in range(lo, hi, chunk_size)) and lo % chunk_size == 0 and (hi - lo) % chunk_size == 0:
                cur = "chunks"
            elif name:
                cur = name.split("/")[-1]
            else:
                cur = "anonymous %s KiB at %x" % ((hi - lo) // 1024, lo)
            continue
        if line.startswith("Rss:") and cur:
            kb = int(line.split()[1])
            if cur == "chunks":
                chunks_rss += kb
            else:
                other[cur] += kb
    print("  chunks' RSS (smaps)  %9.2f MiB" % (chunks_rss / 1024.0))
    print("  other mappings, largest first (anonymous ones outside the chunks: tide's base metadata and page map, or the program's):")
    for k, kb in sorted(other.items(), key=lambda x: -x[1]):
        if kb >= 64:
            print("    %9.2f MiB  %s" % (kb / 1024.0, k))
    print("  process RSS          %9.2f MiB" % ((chunks_rss + sum(other.values())) / 1024.0))


run()
