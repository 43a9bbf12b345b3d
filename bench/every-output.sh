#!/usr/bin/env bash
# Records every output of every fixture from one pstat binary, so that two builds can be
# compared byte for byte (a behaviour-preserving refactor changes nothing here):
#
#   bench/every-output.sh /tmp/pstat-before /tmp/golden-a
#   (change, rebuild, cp target/release/pstat /tmp/pstat-after)
#   bench/every-output.sh /tmp/pstat-after /tmp/golden-after
#   diff -r /tmp/golden-a /tmp/golden-after && echo identical
#
# Every run NAME leaves OUTDIR/NAME.out (stdout), NAME.err (stderr) and NAME.rc (exit
# code); a run that writes a file (convert -o, diff -o, man) leaves it as OUTDIR/NAME.<ext>
# (a pprof file also as NAME.pb.gz.raw, gunzipped, to make a difference readable). Failing
# runs are expected: their message and exit code are outputs like any other.
#
# What keeps two runs of one binary identical:
# * Every file under tests/fixtures gets the mtime 1700000000 first (`touch`, as the Rust tests
#   and bench/outputs.sh do: report headers, JSON and HTML print the input's mtime, and git
#   checkouts and the tests reset it). Only mtimes change, never content.
# * TZ=UTC (the manifest's own TZ for its cases), NO_COLOR=1, LC_ALL=C.UTF-8, --color never,
#   stdin from /dev/null, inputs named by relative paths from a fixed directory, and argv[0]
#   always `pstat` (`exec -a`): usage and help text print the name the binary was run by, so
#   /tmp/pstat-before and /tmp/pstat-after would otherwise differ in 27 files.
# * Files are written into a fixed scratch directory, target/every-output.scratch (relative, so
#   messages that name the output read the same whatever OUTDIR is), then moved to OUTDIR. Do
#   not run two of these at once in one checkout.
#
# OUTDIR must not exist or be empty. Needs bash, coreutils, find, gzip and python3 (to read
# the fixtures' cases.json manifests).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 PSTAT_BINARY OUTDIR" >&2
    exit 2
fi
bin=$(realpath "$1")
[ -x "$bin" ] || { echo "$0: $bin is not an executable" >&2; exit 2; }
mkdir -p "$2"
out=$(realpath "$2")
if [ -n "$(ls -A "$out")" ]; then
    echo "$0: $out is not empty" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
root=$PWD
[ -d tests/fixtures ] || { echo "$0: no tests/fixtures under $root" >&2; exit 2; }

export TZ=UTC NO_COLOR=1 LC_ALL=C.UTF-8
unset LANG LC_CTYPE TERM COLUMNS LINES CLICOLOR CLICOLOR_FORCE 2>/dev/null || true
umask 022
start=$SECONDS

scratch_rel=target/every-output.scratch
rm -rf "$scratch_rel"
mkdir -p "$scratch_rel"
scratch=$root/$scratch_rel

find tests/fixtures -type f -exec touch -d @1700000000 {} +

runs=0
declare -A seen=()

# run NAME [DIR] -- ARG...: pstat ARG... in DIR (default: the repo root), recorded as NAME.
# Every file the run leaves in the scratch directory is moved to OUTDIR (named by its name
# in the scratch directory, which the caller makes start with NAME).
run() {
    local name=$1 dir=. rc=0 f base
    shift
    if [ "$1" != -- ]; then dir=$1; shift; fi
    shift # --
    if [ -n "${seen[$name]+x}" ]; then
        echo "$0: duplicate run name $name" >&2
        exit 1
    fi
    seen[$name]=1
    ( cd "$dir" && exec -a pstat "$bin" --color never "$@" ) \
        >"$out/$name.out" 2>"$out/$name.err" </dev/null || rc=$?
    echo "$rc" >"$out/$name.rc"
    runs=$((runs + 1))
    shopt -s nullglob dotglob
    for f in "$scratch"/*; do
        base=${f##*/}
        case $base in
            "$name".*) mv "$f" "$out/$base" ;;
            # A temporary file left behind (a random name): its presence is the behaviour.
            *) mv "$f" "$out/$name.LEFTOVER.$(ls "$out" | grep -c "^$name\.LEFTOVER\." || true)" ;;
        esac
    done
    shopt -u nullglob dotglob
}

# runin NAME DIR ARG...: like run, from DIR.
runin() { local name=$1 dir=$2; shift 2; run "$name" "$dir" -- "$@"; }
r() { local name=$1; shift; run "$name" -- "$@"; }

key() { # a fixture path as a file-name part
    local p=${1#tests/fixtures/}
    printf '%s' "$p" | tr -c 'A-Za-z0-9._-' '_'
}

# Format name → extension of the file written with --format.
declare -A ext=(
    [callgrind]=callgrind [folded]=folded [svg]=svg [json]=json
    [speedscope]=speedscope.json [stats]=stats [dot]=dot [pprof]=pb.gz [html]=html
)
formats=(callgrind folded svg json speedscope stats dot pprof html)

# The candidates: every file under tests/fixtures but expected outputs, the profiled programs,
# Python, Markdown and dot files. JSON metadata (info.json, cases.json, ...) stays: reading
# it as a profile fails, and the message is an output too.
mapfile -t inputs < <(find tests/fixtures \( -name expected -o -name programs \) -prune \
    -o -type f ! -name '*.py' ! -name '*.md' ! -name '.git*' -print | LC_ALL=C sort)
mapfile -t sampled < <(find tests/fixtures/sampled \( -name expected -o -name programs \) -prune \
    -o -type f ! -name '*.py' ! -name '*.md' ! -name info.json -print | LC_ALL=C sort)
mapfile -t stats < <(find tests/fixtures/stats -name '*.stats' | LC_ALL=C sort)
mapfile -t lprofs < <(find tests/fixtures/lprof -name '*.lprof' | LC_ALL=C sort)
mapfile -t dats < <(find tests/fixtures/mprof -name '*.dat' | LC_ALL=C sort)

# 1. Every command on every candidate.
for f in "${inputs[@]}"; do
    k=$(key "$f")
    r "$k.show" show "$f"
    r "$k.show.tottime15" show "$f" --sort tottime -n 15
    r "$k.show.cum-strip" show "$f" --sort cumulative --strip-dirs
    r "$k.show.focus-main" show "$f" --focus main --sort cumulative -n 10
    r "$k.callers.n20" callers "$f" -n 20
    r "$k.callers.time5" callers "$f" --sort time -n 5
    r "$k.callees.n20" callees "$f" -n 20
    r "$k.callees.hide" callees "$f" --hide '\{' --sort calls -n 10
    r "$k.tree" tree "$f"
    r "$k.tree.inverted" tree "$f" --inverted
    r "$k.tree.depth3" tree "$f" --depth 3
    r "$k.tree.ignore-ascii" tree "$f" --ignore thread --ascii --max-lines 40
    r "$k.lines" lines "$f"
    r "$k.memory" memory "$f"
    for fmt in "${formats[@]}"; do
        r "$k.convert.$fmt" convert "$f" --format "$fmt" -o "$scratch_rel/$k.convert.$fmt.${ext[$fmt]}"
        r "$k.convert-stdout.$fmt" convert "$f" --format "$fmt" -o -
    done
    r "$k.convert.dot-all" convert "$f" --format dot --node-fraction 0 --edge-fraction 0 \
        -o "$scratch_rel/$k.convert.dot-all.dot"
    r "$k.convert.json-strip-ms" convert "$f" --format json --strip-dirs --unit ms --match . \
        -o "$scratch_rel/$k.convert.json-strip-ms.json"
    r "$k.convert.folded-ms" convert "$f" --format folded --unit ms -o -
done

# 2. Sampled profiles, with a rate and with thread frames.
for f in "${sampled[@]}"; do
    k=$(key "$f")
    for variant in rate250 threads rate250-threads; do
        case $variant in
            rate250) opts=(--rate 250) ;;
            threads) opts=(--thread-frames) ;;
            rate250-threads) opts=(--rate 250 --thread-frames) ;;
        esac
        r "$k.$variant.show" show "$f" "${opts[@]}"
        r "$k.$variant.show.tottime15" show "$f" "${opts[@]}" --sort tottime -n 15
        r "$k.$variant.callers.n20" callers "$f" "${opts[@]}" -n 20
        r "$k.$variant.callees.n20" callees "$f" "${opts[@]}" -n 20
        r "$k.$variant.tree" tree "$f" "${opts[@]}"
        r "$k.$variant.tree.inverted" tree "$f" "${opts[@]}" --inverted
        r "$k.$variant.tree.depth3" tree "$f" "${opts[@]}" --depth 3
        for fmt in "${formats[@]}"; do
            r "$k.$variant.convert.$fmt" convert "$f" "${opts[@]}" --format "$fmt" \
                -o "$scratch_rel/$k.$variant.convert.$fmt.${ext[$fmt]}"
        done
    done
done

# 3. The output format from the output file's name (no --format).
for f in tests/fixtures/stats/py313/cprofile.stats tests/fixtures/sampled/py-spy/threads.folded \
    tests/fixtures/lprof/py312-lp5.1.0/demo.lprof tests/fixtures/mprof/functions.dat; do
    k=$(key "$f")
    for name in callgrind.out.1 x.callgrind x.folded x.collapsed x.svg x.speedscope.json x.json \
        x.stats x.prof x.pstats x.html x.dot x.pprof x.txt x; do
        # In a directory of its own, so that the file has exactly this name.
        mkdir "$scratch/$k.byname.$name.d"
        r "$k.byname.$name" convert "$f" -o "$scratch_rel/$k.byname.$name.d/$name"
    done
done

# 4. pstats' own cases (tests/fixtures/cases.json) and line_profiler's (lprof/cases.json),
# from the directories their tests run in, with the case's TZ.
while IFS=$'\t' read -r name tz args; do
    eval "set -- $args"
    TZ=$tz run "case.$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')" tests/fixtures -- "$@"
done < <(python3 - <<'EOF'
import json, shlex
for case in json.load(open("tests/fixtures/cases.json")):
    print(case["name"], case.get("tz", "UTC"), " ".join(map(shlex.quote, case["args"])), sep="\t")
EOF
)
i=0
while IFS= read -r args; do
    eval "set -- $args"
    runin "lprofcase.$i" tests/fixtures/lprof lines "$@"
    i=$((i + 1))
done < <(python3 - <<'EOF'
import json, shlex
for case in json.load(open("tests/fixtures/lprof/cases.json")):
    print(" ".join(map(shlex.quote, case["args"])))
EOF
)

# 5. line_profiler files: options, merges, the source found (from lprof/) or not.
for f in "${lprofs[@]}"; do
    k=$(key "$f")
    r "$k.lines.zmt-ms" lines "$f" -z -m -t -u 1e-3
    r "$k.lines.u1" lines "$f" -u 1
    runin "$k.lines.in-lprof" tests/fixtures/lprof lines "${f#tests/fixtures/lprof/}" -m
done
r lprof.lines.all lines "${lprofs[@]}"
r lprof.lines.all.m lines -m "${lprofs[@]}"
r lprof.convert.all.json convert "${lprofs[@]}" -o "$scratch_rel/lprof.convert.all.json.json"
r lprof.convert.all.callgrind convert "${lprofs[@]}" --format callgrind -o -

# 6. memory_profiler files: every sort key, all together.
for f in "${dats[@]}"; do
    k=$(key "$f")
    for s in calls increase end time name; do
        r "$k.memory.sort-$s" memory "$f" --sort "$s"
    done
done
r mprof.memory.all memory "${dats[@]}"
r mprof.convert.all.svg convert "${dats[@]}" -o "$scratch_rel/mprof.convert.all.svg.svg"
r mprof.convert.all.json convert "${dats[@]}" -o "$scratch_rel/mprof.convert.all.json.json"

# 7. Merges (several inputs added together), standard input.
a=tests/fixtures/stats/py313/cprofile.stats
b=tests/fixtures/stats/py312/cprofile.stats
r merge2.show show "$a" "$b"
r merge2.show.time show "$a" "$b" --sort time -n 20
r merge2.callers callers "$a" "$b" -n 20
r merge2.callees callees "$a" "$b" -n 20
r merge2.tree tree "$a" "$b"
r merge2.same-twice show "$a" "$a" --sort calls
r merge.all-stats.show show "${stats[@]}" --sort time -n 40
r merge.all-stats.tree tree "${stats[@]}" --max-lines 200
for fmt in "${formats[@]}"; do
    r "merge2.convert.$fmt" convert "$a" "$b" --format "$fmt" -o "$scratch_rel/merge2.convert.$fmt.${ext[$fmt]}"
done
r merge.sampled.show show tests/fixtures/sampled/py-spy/mix.folded tests/fixtures/sampled/tachyon/mix.collapsed.txt
r merge.mixed-kinds.show show "$a" tests/fixtures/sampled/py-spy/mix.folded
r merge.stats-lprof.show show "$a" tests/fixtures/lprof/py312-lp5.1.0/demo.lprof
stdin() { # NAME FILE ARG...: pstat ARG... with FILE on standard input
    local name=$1 file=$2 rc=0
    shift 2
    seen[$name]=1
    ( exec -a pstat "$bin" --color never "$@" ) <"$file" >"$out/$name.out" 2>"$out/$name.err" || rc=$?
    echo "$rc" >"$out/$name.rc"
    runs=$((runs + 1))
}
stdin stdin.show "$a" show - --sort time -n 10
stdin stdin.tree tests/fixtures/sampled/py-spy/threads.folded tree -
stdin stdin.convert.json "$a" convert - --format json -o -
stdin stdin.lines tests/fixtures/lprof/py312-lp5.1.0/demo.lprof lines -
stdin stdin.memory tests/fixtures/mprof/plain.dat memory -

# 8. diff.
d=tests/fixtures/diff
pairs=(
    "slow:$d/slow_base.stats:$d/slow_new.stats"
    "variant:$d/variant_base.stats:$d/variant_new.stats"
    "prefix:$d/prefix_a.stats:$d/prefix_b.stats"
    "lprof:$d/lprof/base.lprof:$d/lprof/new.lprof"
    "hostile:$d/lprof/hostile_base.lprof:$d/lprof/hostile_new.lprof"
    "lprof-units:tests/fixtures/lprof/py27-lp3.0.2/demo.lprof:tests/fixtures/lprof/py311-lp4.2.0/demo.lprof"
    "sampled:tests/fixtures/sampled/py-spy/mix.folded:tests/fixtures/sampled/tachyon/mix.collapsed.txt"
    "py39-py313:tests/fixtures/stats/py39/cprofile.stats:tests/fixtures/stats/py313/cprofile.stats"
    "stats-lprof:$d/slow_base.stats:$d/lprof/new.lprof"
)
diff_all() { # NAME DIR ARG...: the diff in every output form
    local name=$1 dir=$2 rel
    shift 2
    rel=$(realpath --relative-to="$dir" "$scratch")
    runin "$name.text" "$dir" diff "$@"
    runin "$name.json" "$dir" diff "$@" -f json
    runin "$name.folded" "$dir" diff "$@" -f folded -o -
    runin "$name.svg" "$dir" diff "$@" -f svg -o -
    local x
    for x in svg html json folded txt; do
        runin "$name.o-$x" "$dir" diff "$@" -o "$rel/$name.o-$x.$x"
    done
}
for p in "${pairs[@]}"; do
    IFS=: read -r name base new <<<"$p"
    diff_all "diff.$name" . "$base" "$new"
done
mapfile -t same_base < <(printf '%s\n' $d/same_base*.stats)
mapfile -t same_new < <(printf '%s\n' $d/same_new*.stats)
mapfile -t slow_runs < <(printf '%s\n' $d/slow_run*.stats)
diff_all diff.groups-same . --base "${same_base[@]}" --new "${same_new[@]}"
diff_all diff.groups-slow . --base "${same_base[@]}" --new "${slow_runs[@]}"
diff_all diff.lprof.in-lprof tests/fixtures/diff/lprof base.lprof new.lprof
s=("$d/slow_base.stats" "$d/slow_new.stats")
for o in "--sort ratio" "--sort base" "--sort new" "-n 5" "--min-delta 5%" "--min-delta 0.001" \
    "--fail-if-slower 10" "--fail-if-slower 1000" "--min-delta 1% --fail-if-slower 10" \
    "--strip-dirs" "--normalize" "--match compute" "--focus main" "--unit ms -f folded" \
    "--no-normalize-paths" "--rate 250"; do
    # shellcheck disable=SC2086
    r "diff.slow.opt.$(printf '%s' "$o" | tr -c 'A-Za-z0-9._-' '_')" diff "${s[@]}" $o
done
r diff.prefix.no-normalize-paths diff "$d/prefix_a.stats" "$d/prefix_b.stats" --no-normalize-paths
r diff.prefix.map diff "$d/prefix_a.stats" "$d/prefix_b.stats" --no-normalize-paths \
    --map /tmp/prefixA/lib/python3.12/site-packages=/x --map /tmp/prefixB/venv/lib/python3.12/site-packages=/x
r diff.groups-slow.fail diff --base "${same_base[@]}" --new "${slow_runs[@]}" --fail-if-slower 5
r diff.err.folded-without-o diff "${s[@]}" -f folded
r diff.err.one-file diff "$d/slow_base.stats"
r diff.err.none diff
r diff.err.missing diff "$d/slow_base.stats" /nonexistent.stats

# 9. Help, version, completions, man pages, usage errors.
r version --version
r help --help
r help.short -h
for c in show callers callees lines convert memory completions man tree diff view; do
    r "help.$c" "$c" --help
    r "help.$c.short" "$c" -h
done
for sh in bash zsh fish powershell elvish; do
    r "completions.$sh" completions "$sh"
done
r man man "$scratch_rel/man.d"
r err.no-args
r err.unknown-command frobnicate
r err.missing-file show /nonexistent.prof
r err.text-file show README.md
r err.sort-key show "$a" --sort c
r err.bad-format convert "$a" --format nope -o -
r err.unknown-ext convert "$a" -o "$scratch_rel/err.unknown-ext.xyz"
r err.unit convert "$a" --format svg --unit sec -o -
r err.lprof-svg convert tests/fixtures/lprof/py312-lp5.1.0/demo.lprof --format svg -o -
r err.mprof-callgrind convert tests/fixtures/mprof/plain.dat --format callgrind -o -
r err.no-dir convert "$a" -o "$scratch_rel/err.no-dir.missing/x.json"
r err.is-dir convert "$a" -o "$scratch_rel"
r err.fraction tree "$a" --node-fraction 2
r err.rate show tests/fixtures/sampled/py-spy/mix.folded --rate 0
r err.lines-unit lines tests/fixtures/lprof/py312-lp5.1.0/demo.lprof -u -1
r err.regex show "$a" --match '('
r err.focus tree "$a" --focus '('
cp "$a" "$scratch/err.input-as-output.stats"
r err.input-as-output convert "$scratch_rel/err.input-as-output.stats" -o "$scratch_rel/err.input-as-output.stats"

# A pprof file is gzip: keep the bytes, and beside them the gunzipped profile.proto.
shopt -s nullglob
for f in "$out"/*.pb.gz "$out"/*convert-stdout.pprof.out; do
    if gzip -dc <"$f" >"$f.raw" 2>/dev/null; then :; else rm -f "$f.raw"; fi
done
shopt -u nullglob
rmdir "$scratch" 2>/dev/null || { echo "$0: files left in $scratch:" >&2; ls -la "$scratch" >&2; exit 1; }

files=$(find "$out" -type f | wc -l)
written=$(find "$out" -type f ! -name '*.out' ! -name '*.err' ! -name '*.rc' ! -name '*.raw' | wc -l)
echo "$runs runs, $files files in $out ($written of them written by pstat itself), $((SECONDS - start)) s"
