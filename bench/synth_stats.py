"""Writes a large synthetic .stats dump, deterministic by seed, for timing pstat on big inputs.

The dict has the shape cProfile writes, {(file, line, name): (cc, nc, tt, ct, callers)} with
callers {caller key: (nc, cc, tt, ct)}, built directly rather than by running code: N functions
spread over many modules (with basenames repeated across packages, so strip-dirs merges
entries), builtins, about 3 callers per function, some recursion.

    python3 bench/synth_stats.py 300000 /tmp/big.stats [seed]
"""
import marshal
import random
import sys


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    modules = ["/srv/app/pkg%d/mod%d.py" % (i % 97, i % 41) for i in range(max(1, n // 60))]
    keys = []
    for i in range(n):
        if i % 50 == 0:
            keys.append(("~", 0, "<built-in method builtins.f%d>" % i))
        else:
            keys.append((rng.choice(modules), rng.randint(1, 5000), "func_%d" % i))
    stats = {}
    for i, key in enumerate(keys):
        callers = {}
        for _ in range(rng.randint(0, 6)):
            c = keys[rng.randrange(max(1, i))] if i else key
            nc = rng.randint(1, 50)
            cc = nc if rng.random() < 0.9 else rng.randint(0, nc)
            tt = rng.random() * 1e-3
            callers[c] = (nc, cc, tt, tt + rng.random() * 1e-3)
        nc = sum(v[0] for v in callers.values()) or 1
        cc = sum(v[1] for v in callers.values()) or 1
        tt = sum(v[2] for v in callers.values())
        ct = sum(v[3] for v in callers.values())
        stats[key] = (cc, nc, tt, ct, callers)
    with open(out, "wb") as f:
        marshal.dump(stats, f)


if __name__ == "__main__":
    main()
