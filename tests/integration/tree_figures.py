"""The figures `pstat tree` may print, computed by Python from the fixture alone.

    python3 tree_figures.py stats FILE    # via pstats: each function's and each edge's figures
    python3 tree_figures.py folded FILE   # from the folded text: every path's samples

Prints JSON. For `.stats` files: the total pstats prints, and per function (labelled as the
tree labels it: `name  file:line`, or the name alone for builtins) the figure columns a line of
that function may show, formatted here with Python's own `%`: top-down, the function's
(cumtime, tottime, calls) and each edge into it; bottom-up, the function's (tottime, calls)
and each edge out of it (its share of the callee's own time). For folded stacks: per path of
labels (root first, joined by `;`), its samples and the samples ending there, both ways.
"""

import json
import pstats
import re
import sys


ADDRESS = re.compile(r" at 0x([0-9a-fA-F]+)")


def label(func):
    file, line, name = func
    # The address in `<code object … at 0x…>` is where Python happened to load the object;
    # the test masks it on both sides.
    name = ADDRESS.sub(lambda m: " at 0x" + "#" * len(m.group(1)), str(name))
    if file == "~" and line == 0:
        return name
    return "%s  %s:%d" % (name, file, line)


def calls_text(nc, cc):
    return "%d/%d" % (nc, cc) if nc != cc else "%d" % nc


def percent(value, total):
    return "%5.1f%%" % (value / total * 100.0) if total > 0 else "     -"


def stats(path):
    s = pstats.Stats(path)
    total = s.total_tt
    down, up = {}, {}
    for func, (cc, nc, tt, ct, callers) in s.stats.items():
        down.setdefault(label(func), []).append(
            [percent(ct, total), percent(tt, total), calls_text(nc, cc)])
        up.setdefault(label(func), []).append([percent(tt, total), calls_text(nc, cc)])
        for caller, value in callers.items():
            if isinstance(value, tuple):
                enc, ecc, ett, ect = value
                down[label(func)].append(
                    [percent(ect, total), percent(ett, total), calls_text(enc, ecc)])
                up.setdefault(label(caller), []).append(
                    [percent(ett, total), calls_text(enc, ecc)])
            else:
                down[label(func)].append(["     -", "     -", "%d" % value])
                # A function with one caller is all in that call: its line shows the
                # function's times and the call's count.
                down[label(func)].append([percent(ct, total), percent(tt, total), "%d" % value])
                # A bare count holds no time: the bottom-up line shows the count alone.
                up.setdefault(label(caller), []).append(["     -", "%d" % value])
    return {"total": total, "down": down, "up": up}


FRAME = re.compile(r"^(.*) \((.*):(\d+)\)$")
THREAD = re.compile(r"^thread \(\d+\)(: .*)?$")


def frame_label(frame):
    m = FRAME.match(frame)
    if m:
        return "%s  %s:%s" % (m.group(1), m.group(2), m.group(3))
    return frame


def folded(path):
    down, up = {}, {}
    total = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, count = line.rsplit(" ", 1)
            frames = stack.split(";")
            # py-spy's first frame names the thread; pstat merges the threads by default.
            if frames and THREAD.match(frames[0]):
                frames = frames[1:]
            if not frames:
                continue
            count = int(count)
            total += count
            labels = [frame_label(fr) for fr in frames]
            for tree, order in ((down, labels), (up, labels[::-1])):
                for i in range(1, len(order) + 1):
                    entry = tree.setdefault(";".join(order[:i]), [0, 0])
                    entry[0] += count
                    if i == len(order):
                        entry[1] += count
    return {"total": total, "down": down, "up": up}


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    print(json.dumps(stats(path) if kind == "stats" else folded(path)))
