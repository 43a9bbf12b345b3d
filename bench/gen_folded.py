#!/usr/bin/env python3
"""Writes a big folded-stack file shaped like py-spy's `record --format raw` output.

    python3 bench/gen_folded.py --lines 1000000 --seed 1 --out target/bench-data/gen-1000000-1.folded
    python3 bench/gen_folded.py --lines 1000000 --seed 1 --sorted --out F   # sorted, as inferno's collapsers write

Every line is one distinct stack, root first, `frame;frame;... COUNT`, each frame
`name (pkg/mod_K.py:LINE)` with LINE the line the function was at: the call to the next
frame, or for the last frame one of the function's hot lines. The stacks are random walks
down a fixed call graph: `<module> (app.py:1)` calls `main`, which calls a few top-level
functions, and so on through layers of functions spread over about 200 modules, so stacks
share long common prefixes, as a real program's do. Depths run from 8 to 40 (most near the
bottom of that range); counts from 1 to 50 (most are 1 or 2).

By default the lines come in no particular order, as py-spy writes them (from a hash map);
`--sorted` sorts them bytewise, as inferno's collapsers and flamegraph.pl's stackcollapse do.
Everything is fixed by `--seed` (the structure, the stacks and their order); only the standard
library is needed.
"""

import argparse
import random
import sys
import time

MODULES = 200
FUNCTIONS = 3000
MIN_DEPTH = 8
MAX_DEPTH = 40
MAX_COUNT = 50
# How many times the most taken call of a function is listed in its `calls`.
WEIGHT_SCALE = 12

VERBS = (
    "get", "set", "load", "save", "parse", "render", "build", "check", "apply", "handle",
    "read", "write", "emit", "merge", "split", "find", "scan", "visit", "walk", "run",
    "call", "send", "fetch", "open", "close", "wrap", "make", "update", "resolve", "compute",
)
NOUNS = (
    "row", "rows", "item", "items", "node", "tree", "key", "value", "field", "record",
    "batch", "page", "token", "frame", "query", "result", "config", "cache", "entry", "path",
    "user", "event", "chunk", "block", "index", "table", "state", "view", "model", "request",
)
PACKAGES = ("core", "db", "web", "util", "io", "api", "jobs", "model", "auth", "text")


class Function:
    """One Python function: where it is defined and, per callee, the line of the call."""

    __slots__ = ("name", "path", "first_line", "calls", "leaf_frames")

    def __init__(self, name, path, first_line):
        self.name = name
        self.path = path
        self.first_line = first_line
        # (this function's frame text while making the call, callee, the call's number),
        # repeated in proportion to how often the call is taken, so that a uniform choice
        # from the list is a weighted choice of the call.
        self.calls = []
        self.leaf_frames = []      # its frame text when it is the innermost frame

    def frame(self, line):
        return "%s (%s:%d)" % (self.name, self.path, line)


def build_program(rng):
    """The call graph: layer 0 is `<module>`, layer 1 `main`, then wider layers below."""
    paths = ["%s/mod_%d.py" % (PACKAGES[k % len(PACKAGES)], k) for k in range(MODULES)]
    next_line = {path: 1 for path in paths}

    def new_function(path):
        # Names repeat across modules, as `get`, `run` and `__init__` do in a real program.
        name = "%s_%s" % (rng.choice(VERBS), rng.choice(NOUNS))
        line = next_line[path]
        next_line[path] += rng.randint(4, 40)
        return Function(name, path, line)

    # Layer widths: narrow at the top (common roots), then about even below.
    widths = [1, 1, 8, 30, 80, 120]
    rest = FUNCTIONS - sum(widths)
    deep = MAX_DEPTH - len(widths) + 1
    widths += [rest // deep + (1 if i < rest % deep else 0) for i in range(deep)]
    layers = []
    for layer, width in enumerate(widths):
        if layer == 0:
            # py-spy shows the module's frame at the line of its top-level call.
            layers.append([Function("<module>", "app.py", 1)])
        elif layer == 1:
            layers.append([Function("main", "app.py", 12)])
        else:
            layers.append([new_function(rng.choice(paths)) for _ in range(width)])

    for layer, functions in enumerate(layers):
        below = layers[layer + 1] if layer + 1 < len(layers) else []
        for function in functions:
            # The lines the function's body spans; calls and hot lines fall inside it.
            body = range(function.first_line + 1, function.first_line + rng.randint(4, 40))
            if layer == 0:
                body = range(1, 2)
            if below:
                fanout = min(len(below), rng.randint(3, 12))
                callees = rng.sample(below, fanout)
                # Zipf-like weights: the first call is taken most, the k-th 1/k as often.
                for rank, callee in enumerate(callees):
                    call = (function.frame(rng.choice(body)), callee, rank)
                    function.calls.extend([call] * (WEIGHT_SCALE // (rank + 1)))
            # The lines it spends its own time on (repeats make some hotter).
            hot = rng.randint(2, 16)
            function.leaf_frames = [function.frame(rng.choice(body)) for _ in range(hot)]
    return layers


def depth(rng):
    """From MIN_DEPTH to MAX_DEPTH: most near the bottom, one in twenty anywhere above 12."""
    if rng.random() < 0.05:
        return rng.randint(12, MAX_DEPTH)
    return min(MAX_DEPTH, MIN_DEPTH + int(rng.expovariate(1 / 1.5)))


def count(rng):
    """From 1 to MAX_COUNT, most 1 or 2 (a Pareto tail)."""
    return min(MAX_COUNT, int(rng.paretovariate(1.3)))


def stacks(rng, layers, lines):
    """`lines` distinct stack lines, each `frames COUNT`, in the order they were drawn."""
    seen = set()
    produced = 0
    choice = rng.choice
    while produced < lines:
        target = depth(rng)
        frames = []
        # The walk's choices as one number (at most 16 calls a function and 16 hot lines):
        # the same number is the same stack.
        key = target
        function = layers[0][0]
        for _ in range(target - 1):
            frame, function, rank = choice(function.calls)
            frames.append(frame)
            key = key << 4 | rank
        leaf = rng.randrange(len(function.leaf_frames))
        frames.append(function.leaf_frames[leaf])
        key = key << 4 | leaf
        if key in seen:
            continue
        seen.add(key)
        produced += 1
        yield "%s %d\n" % (";".join(frames), count(rng))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, required=True, help="distinct stacks to write")
    parser.add_argument("--seed", type=int, default=1, help="fixes the structure and the stacks")
    parser.add_argument("--out", required=True, help="the folded file to write")
    parser.add_argument("--sorted", action="store_true", help="sort the lines bytewise")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args()

    started = time.monotonic()
    rng = random.Random(args.seed)
    layers = build_program(rng)
    lines = stacks(rng, layers, args.lines)
    if args.sorted:
        # The text is ASCII, so sorting the strings sorts the bytes.
        lines = sorted(lines)
    size = 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(line)
            size += len(line)
    if not args.quiet:
        print(
            "%s: %d lines, %.1f MB, %.1f s"
            % (args.out, args.lines, size / 1e6, time.monotonic() - started),
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
