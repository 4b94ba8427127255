"""py-mix: a pure-Python allocation mix for allocbench (run with
PYTHONMALLOC=malloc so the allocator under test serves every object).

    python3 py-mix.py ROUNDS [SEED]

Each round builds and drops dictionaries of records, lists of tuples,
strings (joins, splits, formatting, slicing), a JSON round trip of nested
containers, and reference cycles that only the cyclic garbage collector
frees; gc.collect() runs every 8 rounds. Every random choice comes from
random.Random(SEED) and every printed value is independent of hashing
order and addresses, so the output is a function of ROUNDS and SEED only
(the per-round checksums and a final summary).
"""
import gc
import json
import random
import sys


def fail(msg):
    sys.stderr.write("py-mix: %s\n" % msg)
    sys.exit(2)


def records(rng, n):
    """A dict of n records (dicts), some updated, some deleted."""
    d = {}
    for i in range(n):
        key = "k%06d-%s" % (i, "x" * rng.randrange(0, 24))
        d[key] = {"id": i, "name": "n%x" % rng.getrandbits(32), "score": rng.random(),
                  "tags": ["t%d" % rng.randrange(50) for _ in range(rng.randrange(0, 6))]}
    keys = sorted(d)
    for k in keys[::3]:
        d[k]["score"] *= 2.0
        d[k]["tags"].append("upd")
    for k in keys[1::5]:
        del d[k]
    s = 0
    for k in sorted(d):
        r = d[k]
        s = (s * 31 + r["id"] + len(r["tags"]) + int(r["score"] * 1000)) % 1000000007
    return s, len(d), d


def lists(rng, n):
    """Lists of tuples: append, sort, slice, comprehension, deletion."""
    a = [(rng.randrange(1000), rng.random(), str(i)) for i in range(n)]
    a.sort()
    b = [t for t in a if t[0] % 3 != 0]
    c = [x[2] + "-" + str(x[0]) for x in b[: n // 2]]
    del a[::2]
    m = [[j * i for j in range(8)] for i in range(n // 8)]
    s = sum(t[0] for t in a) + sum(len(x) for x in c) + sum(r[-1] for r in m)
    return s % 1000000007


def strings(rng, n):
    """String building, splitting, formatting and replacing."""
    words = ["".join(chr(97 + rng.randrange(26)) for _ in range(rng.randrange(2, 12))) for _ in range(n)]
    text = " ".join(words)
    parts = text.split(" ")
    up = [w.upper() if i % 2 else w[::-1] for i, w in enumerate(parts)]
    fmt = ["%s:%d:%.3f" % (w, len(w), len(w) / 7.0) for w in up[: n // 2]]
    joined = "|".join(fmt).replace("A", "aa").replace(":", ";")
    counts = {}
    for w in parts:
        counts[w[0]] = counts.get(w[0], 0) + 1
    acc = 0
    for ch in sorted(counts):
        acc = (acc * 131 + counts[ch]) % 1000000007
    return (acc + len(joined) + joined.count("aa")) % 1000000007


def jsonwork(rng, n):
    """A nested structure through json.dumps and json.loads."""
    doc = {"items": [{"k": "v%d" % i, "vals": [rng.randrange(100) for _ in range(rng.randrange(1, 9))],
                      "sub": {"a": i, "b": [str(i)] * (i % 4)}} for i in range(n)],
           "meta": {"n": n, "name": "doc"}}
    text = json.dumps(doc, sort_keys=True)
    back = json.loads(text)
    s = len(text)
    for it in back["items"]:
        s = (s * 7 + sum(it["vals"]) + len(it["sub"]["b"])) % 1000000007
    return s


class Node:
    __slots__ = ("val", "next", "peer", "__weakref__")

    def __init__(self, val):
        self.val = val
        self.next = None
        self.peer = None


def cycles(rng, n):
    """Rings and cross links that only the cycle collector frees."""
    total = 0
    for _ in range(n // 50 + 1):
        ring = [Node(rng.randrange(1000)) for _ in range(50)]
        for i, x in enumerate(ring):
            x.next = ring[(i + 1) % 50]
            x.peer = ring[rng.randrange(50)]
        total += sum(x.next.val + x.peer.val for x in ring)
        d = {"self": None, "list": [ring[0]]}
        d["self"] = d
    return total % 1000000007


def main():
    if len(sys.argv) not in (2, 3):
        fail("usage: py-mix.py ROUNDS [SEED]")
    try:
        rounds = int(sys.argv[1])
        seed = int(sys.argv[2]) if len(sys.argv) == 3 else 2026
    except ValueError:
        fail("ROUNDS and SEED must be integers")
    if rounds < 1:
        fail("ROUNDS must be at least 1")
    rng = random.Random(seed)
    keep = []
    total = 0
    for r in range(rounds):
        n = 400 + rng.randrange(400)
        a, live, recs = records(rng, n)
        b = lists(rng, n * 2)
        c = strings(rng, n)
        d = jsonwork(rng, n // 2)
        e = cycles(rng, n)
        keep.append(recs)   # the live set: the records of the last 9-16 rounds
        if len(keep) > 16:
            del keep[: 8]
        if r % 8 == 7:
            gc.collect()
        cs = (a + b + c + d + e + live) % 1000000007
        total = (total * 1000003 + cs) % 1000000007
        print("round %d n %d checksum %d" % (r, n, cs))
    print("py-mix rounds %d seed %d total %d" % (rounds, seed, total))


main()
