"""Generates a big, realistic cProfile dump by really running generated Python code.

Unlike synth_stats.py, which builds the stats dict directly, this writes a package tree of
Python modules, runs an entry point under cProfile in a subprocess, and writes what
cProfile wrote. The structure (modules, functions, call graph) is deterministic by seed;
the timings are whatever the run measured.

The generated code:

* packages `pkg{i}/sub{j}/{name}.py`, with module basenames (`util.py`, `models.py`, ...)
  repeated across packages; every module of one basename starts with the same small helpers
  at the same lines, so `strip_dirs()` merges them across packages;
* module-level functions and static methods of classes, named from a vocabulary;
* a layered call DAG (every function reachable from the entry point), plus direct recursion,
  mutual recursion between neighbouring functions, and a few hot helpers called from many
  places;
* calls to builtins and to dict/list/str methods, which cProfile records as `~` entries.

Each function body runs at most a few times (a counter per function), so the run is bounded:
every call edge is still recorded, but the total number of calls is linear in the size.

    python3 bench/gen_profile.py --functions 300000 --seed 1 --out /tmp/big.stats

Only the standard library is needed (Python 3.8 or later).
"""
import argparse
import compileall
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

RUNTIME = "pstat_bench_rt"

BASENAMES = [
    "util", "models", "core", "helpers", "views", "base", "config", "handlers",
    "io", "parser", "cache", "client", "server", "schema", "tasks", "api", "forms",
    "signals", "storage", "types", "utils", "errors", "compat", "loader", "registry",
]
VERBS = [
    "get", "set", "load", "save", "parse", "render", "build", "check", "update", "create",
    "find", "resolve", "handle", "process", "validate", "compute", "format", "read", "write",
    "apply", "fetch", "merge", "normalize", "dispatch", "emit", "encode", "decode", "open",
    "close", "reset", "visit", "walk", "prepare", "finish", "register", "lookup",
]
NOUNS = [
    "user", "item", "value", "config", "request", "response", "node", "token", "record",
    "entry", "field", "path", "key", "row", "session", "event", "handler", "result", "page",
    "query", "context", "state", "buffer", "header", "message", "batch", "task", "object",
]
CLASS_NAMES = [
    "Manager", "Model", "Handler", "Builder", "Parser", "Client", "Cache", "Registry",
    "Loader", "Visitor", "Serializer", "Context", "Session", "Router", "Backend", "Store",
]
METHOD_NAMES = [
    "__call__", "get", "save", "run", "load", "render", "validate", "update", "close",
    "process", "dispatch", "handle", "build", "clean", "reset", "to_dict", "from_dict",
]

# One line each; every function calls one or two of these. cProfile records each as a builtin
# entry such as "<built-in method builtins.len>" or "<method 'get' of 'dict' objects>".
BUILTIN_CALLS = [
    "n = len((d, r))",
    "v = sorted((r, d))",
    "n = max(d, r)",
    "n = min(d, r)",
    "n = sum((d, r))",
    "v = isinstance(d, int)",
    "v = hasattr(d, 'real')",
    "v = getattr(d, 'real')",
    "v = {'k': d}.get('k')",
    "v = {}.setdefault('j', d)",
    "v = {'k': d}.items()",
    "v = {'k': d}.keys()",
    "[].append(d)",
    "[].extend((d, r))",
    "v = [d].pop()",
    "v = [r, d].index(d)",
    "v = [d].count(d)",
    "v = ' '.join(('a', 'b'))",
    "v = 'ab'.upper()",
    "v = 'a b'.split()",
    "v = 'ab'.startswith('a')",
    "v = 'ab'.replace('a', 'b')",
    "v = '{}'.format(d)",
    "v = 'ab'.encode()",
    "v = repr(d)",
    "v = hash((d, r))",
    "v = abs(-d)",
    "v = divmod(d, 3)",
    "v = any((d, r))",
    "v = {'k': d}.copy()",
]

# The common helpers at the top of every module of one basename: same names, same lines, so
# that strip_dirs() merges them across packages.
COMMON_HELPERS = ["_check", "_key", "_log"]

LAYERS = 10
BUDGET = 4  # times each function body runs at most
RECURSION_DEPTH = 2


class Function:
    __slots__ = ("index", "layer", "name", "cls", "module", "callees", "helpers",
                 "builtins", "recursive", "partner")

    def __init__(self, index, layer):
        self.index = index
        self.layer = layer
        self.name = None
        self.cls = None
        self.module = None
        self.callees = []
        self.helpers = []
        self.builtins = []
        self.recursive = False
        self.partner = None


def plan(n_functions, seed):
    """Lays out modules and functions and builds the call graph. Returns (modules, functions,
    roots) where modules is a list of (relative path, basename, [Function])."""
    rng = random.Random(seed)
    # About 40 builtin entries and the profiler's own entries are added by the run; the rest
    # are generated functions, of which a share are the per-module common helpers.
    user = max(200, n_functions - 45)
    functions = []
    modules = []
    package = 0
    sub = 0
    names_left = []
    while len(functions) < user:
        if not names_left:
            names_left = rng.sample(BASENAMES, rng.randint(6, 14))
            sub += 1
            if sub >= 8:
                sub = 0
                package += 1
        basename = names_left.pop()
        path = "pkg%d/sub%d/%s.py" % (package, sub, basename)
        count = min(rng.randint(20, 180), user - len(functions))
        members = []
        for k in range(count):
            if k < len(COMMON_HELPERS):
                f = Function(len(functions), None)
                f.name = COMMON_HELPERS[k]
            else:
                layer = 0 if rng.random() < 0.02 else rng.randint(1, LAYERS - 1)
                f = Function(len(functions), layer)
            f.module = len(modules)
            functions.append(f)
            members.append(f)
        modules.append((path, basename, members))

    # Names: module-level functions first, then one class of static methods per module.
    for path, basename, members in modules:
        used = set(COMMON_HELPERS)
        body = [f for f in members if f.layer is not None]
        n_methods = len(body) // 4 if len(body) >= 8 else 0
        cls = rng.choice(CLASS_NAMES) + basename.title()
        for i, f in enumerate(body):
            if i >= len(body) - n_methods:
                f.cls = cls
                name = rng.choice(METHOD_NAMES)
                if name in used:
                    name = "%s_%d" % (name.strip("_"), i)
            else:
                name = "%s_%s" % (rng.choice(VERBS), rng.choice(NOUNS))
                if name in used:
                    name = "%s_%d" % (name, i)
            used.add(name)
            f.name = name

    layered = [f for f in functions if f.layer is not None]
    by_layer = [[] for _ in range(LAYERS)]
    for f in layered:
        by_layer[f.layer].append(f)
    if not by_layer[0]:
        by_layer[0].append(layered[0])
        by_layer[layered[0].layer].remove(layered[0])
        layered[0].layer = 0

    # Hot helpers: a few functions in the last layer, called from many places.
    hot = rng.sample(by_layer[LAYERS - 1], min(40, len(by_layer[LAYERS - 1])))
    hot_set = set(id(f) for f in hot)

    # Every function of layer l > 0 gets a caller from one of the two layers above it, so
    # everything is reachable from the roots; then extra edges to deeper layers.
    for layer in range(1, LAYERS):
        above = by_layer[max(0, layer - 2)] + by_layer[layer - 1]
        above = [g for g in above if id(g) not in hot_set] or by_layer[0]
        for f in by_layer[layer]:
            rng.choice(above).callees.append(f)
    for f in layered:
        if id(f) in hot_set:
            continue
        if f.layer < LAYERS - 1:
            for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 2))):
                target = by_layer[rng.randint(f.layer + 1, LAYERS - 1)]
                if target:
                    g = rng.choice(target)
                    if g not in f.callees:
                        f.callees.append(g)
        if rng.random() < 0.2:
            g = rng.choice(hot)
            if g is not f and g not in f.callees:
                f.callees.append(g)
    for f in functions:
        if f.layer is None:
            # The same in every module of one basename, so the helpers' lines agree.
            local = random.Random("%s/%s" % (modules[f.module][1], f.name))
            f.builtins = local.sample(BUILTIN_CALLS, local.choice((1, 2)))
            continue
        f.builtins = rng.sample(BUILTIN_CALLS, rng.choice((0, 1, 1, 1, 2)))
        if True:
            members = modules[f.module][2]
            f.helpers = [g for g in members[: len(COMMON_HELPERS)] if rng.random() < 0.05]
            f.recursive = rng.random() < 0.03
    # Mutual recursion: neighbouring module-level functions of one module call each other.
    for path, basename, members in modules:
        body = [f for f in members if f.layer is not None and f.cls is None]
        for a, b in zip(body[::2], body[1::2]):
            if rng.random() < 0.02:
                a.partner = b
                b.partner = a
    roots = by_layer[0]
    return modules, functions, roots


def ref(f, here):
    """How code in module `here` names function f."""
    if f.module == here:
        return "%s.%s" % (f.cls, f.name) if f.cls else f.name
    return "F[%d]" % f.index


def write_function(out, f, indent):
    pad = " " * indent
    out.append("%sdef %s(d, r=%d):" % (pad, f.name, RECURSION_DEPTH))
    out.append("%s    if C[%d] >= %d: return d" % (pad, f.index, BUDGET))
    out.append("%s    C[%d] += 1" % (pad, f.index))
    for line in f.builtins:
        out.append("%s    %s" % (pad, line))
    for g in f.helpers:
        out.append("%s    %s(d)" % (pad, g.name))
    for g in f.callees:
        out.append("%s    %s(d + 1)" % (pad, ref(g, f.module)))
    if f.recursive:
        out.append("%s    if r:" % pad)
        out.append("%s        %s(d, r - 1)" % (pad, ref(f, f.module)))
    if f.partner is not None:
        out.append("%s    if r:" % pad)
        out.append("%s        %s(d, r - 1)" % (pad, ref(f.partner, f.module)))
    out.append("%s    return d" % pad)


def write_tree(root, modules, functions, roots):
    for index, (path, basename, members) in enumerate(modules):
        full = os.path.join(root, path)
        directory = os.path.dirname(full)
        if not os.path.isdir(directory):
            os.makedirs(directory)
            for d in (directory, os.path.dirname(directory)):
                init = os.path.join(d, "__init__.py")
                if not os.path.exists(init):
                    open(init, "w").close()
        out = ["from %s import C, F, register" % RUNTIME, ""]
        helpers = members[: len(COMMON_HELPERS)]
        for f in helpers:
            # Identical in every module of this basename (the budget slot aside, which is on
            # a line of its own), so the line numbers agree.
            write_function(out, f, 0)
            out.append("")
        body = [f for f in members if f.layer is not None]
        free = [f for f in body if f.cls is None]
        methods = [f for f in body if f.cls is not None]
        for f in free:
            out.append("")
            write_function(out, f, 0)
        if methods:
            out.append("")
            out.append("")
            out.append("class %s:" % methods[0].cls)
            for f in methods:
                out.append("    @staticmethod")
                write_function(out, f, 4)
                out.append("")
        out.append("")
        out.append("register(%d, [%s])" % (
            members[0].index, ", ".join(ref(f, index) for f in members)))
        with open(full, "w") as fh:
            fh.write("\n".join(out))
            fh.write("\n")
    with open(os.path.join(root, RUNTIME + ".py"), "w") as fh:
        fh.write(
            "C = [0] * %d\n"
            "F = [None] * %d\n"
            "\n"
            "def register(start, fs):\n"
            "    F[start:start + len(fs)] = fs\n" % (len(functions), len(functions)))
    with open(os.path.join(root, "bench_main.py"), "w") as fh:
        fh.write(
            "import importlib\n"
            "import sys\n"
            "from %s import F\n"
            "\n"
            "MODULES = %r\n"
            "ROOTS = %r\n"
            "\n"
            "def load():\n"
            "    for name in MODULES:\n"
            "        importlib.import_module(name)\n"
            "\n"
            "def main():\n"
            "    for i in ROOTS:\n"
            "        F[i](0)\n"
            "\n"
            "if __name__ == '__main__':\n"
            "    import cProfile\n"
            "    load()\n"
            "    profiler = cProfile.Profile()\n"
            "    profiler.runcall(main)\n"
            "    profiler.dump_stats(sys.argv[1])\n"
            % (RUNTIME, [p[:-3].replace("/", ".") for p, _, _ in modules],
               [f.index for f in roots]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=10000,
                        help="about how many functions the profile lists (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="structure seed (default 1)")
    parser.add_argument("--out", required=True, help="where to write the .stats dump")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter that runs the profiled code (default: this one)")
    parser.add_argument("--workdir",
                        help="where to write the generated code (default: a directory under "
                             "the system temporary directory, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the generated code")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args()

    workdir = args.workdir or os.path.join(
        tempfile.gettempdir(), "pstat-gen-%d-%d" % (args.functions, args.seed))
    root = os.path.join(workdir, "app")
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    try:
        modules, functions, roots = plan(args.functions, args.seed)
        write_tree(root, modules, functions, roots)
        # Compile on both cores up front; the profiled run then only loads .pyc files.
        started = time.time()
        compileall.compile_dir(root, quiet=1, workers=0)
        if not args.quiet:
            print("compiled in %.1f s" % (time.time() - started))
        started = time.time()
        subprocess.check_call([args.python, os.path.join(root, "bench_main.py"),
                               os.path.abspath(args.out)], cwd=root)
        if not args.quiet:
            print("ran and dumped in %.1f s" % (time.time() - started))
            print("%s: %d generated functions in %d modules, %d bytes" % (
                args.out, len(functions), len(modules), os.path.getsize(args.out)))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
