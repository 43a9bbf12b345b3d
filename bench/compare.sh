#!/usr/bin/env bash
# Times pstat against Python's own tools on the same generated profile, in one run, and prints
# a table: mean wall time, peak memory (max RSS) and the speed-up (Python tool / pstat).
#
#   bench/compare.sh                  # 300,000-function profile (about 45 MB)
#   bench/compare.sh --quick          # 10,000 functions, fewer runs, a smaller merge
#   bench/compare.sh --functions N    # another size
#   bench/compare.sh --scaling        # pstat alone at 10k, 100k and 300k functions
#   bench/compare.sh --folded-only    # only the folded-stacks table (1,000,000 lines)
#
# Needs what the README's set-up needs (a Rust toolchain) plus python3 with venv and pip; the
# Python tools (pyprof2calltree, flameprof) are installed into target/bench-venv. Uses
# hyperfine when present (installed with apt-get when running as root), else /usr/bin/time.
# Generated profiles and outputs go to target/bench-data/.
#
# A second table reads folded stacks from bench/gen_folded.py (--folded-lines N, 0 skips it)
# and sets pstat's SVG beside inferno's, taken from $INFERNO_FLAMEGRAPH (default
# /work/tools/inferno/bin/inferno-flamegraph; `cargo install inferno --root DIR` makes one).
set -euo pipefail

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    echo "options: --functions N  --runs N  --merge-files N (0 skips the merge)  --quick  --scaling"
    echo "         --folded-lines N (0 skips the folded table)  --folded-only"
}

FUNCTIONS=300000
RUNS=3
MERGE_FILES=1000
MERGE_FUNCTIONS=10000
MERGE_SEEDS=4
SCALING=0
QUICK=0
FOLDED_LINES=1000000
FOLDED_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --functions) FUNCTIONS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --merge-files) MERGE_FILES=$2; shift 2 ;;
        --quick) QUICK=1; FUNCTIONS=10000; RUNS=2; MERGE_FILES=50; FOLDED_LINES=100000; shift ;;
        --scaling) SCALING=1; shift ;;
        --folded-lines) FOLDED_LINES=$2; shift 2 ;;
        --folded-only) FOLDED_ONLY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DATA=$ROOT/target/bench-data
OUT=$DATA/out
VENV=$ROOT/target/bench-venv
PYTHON=${PYTHON:-python3}
INFERNO_FLAMEGRAPH=${INFERNO_FLAMEGRAPH:-/work/tools/inferno/bin/inferno-flamegraph}
mkdir -p "$DATA" "$OUT"
log() { echo "== $*" >&2; }

# (a) The Python tools, in a venv of their own.
if [ "$FOLDED_ONLY" = 0 ] && { [ ! -x "$VENV/bin/pyprof2calltree" ] || [ ! -x "$VENV/bin/flameprof" ]; }; then
    log "installing pyprof2calltree and flameprof into $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet pyprof2calltree flameprof
fi
VPY=$VENV/bin/python

# (b) pstat, optimised.
log "building pstat (release)"
(cd "$ROOT" && cargo build --release --quiet && cargo build --release --quiet --example parse_rate)
PSTAT=$TARGET/release/pstat
PARSE_RATE=$TARGET/release/examples/parse_rate
# The reading rates are one-core figures: the folded reader scans big inputs on two threads, so
# the process is held to one CPU where taskset (util-linux) is there to do it.
ONE_CORE=()
if command -v taskset >/dev/null; then ONE_CORE=(taskset -c 0); fi

# hyperfine if possible; otherwise /usr/bin/time in a loop.
if ! command -v hyperfine >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing hyperfine"
    apt-get install -y -qq hyperfine >/dev/null 2>&1 || true
fi
HYPERFINE=$(command -v hyperfine || true)
if [ ! -x /usr/bin/time ]; then
    echo "compare.sh: /usr/bin/time (GNU time) is needed for peak memory" >&2
    exit 1
fi

# (c) Profiles, generated once and kept.
WORKDIR_BASE=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && WORKDIR_BASE=/dev/shm
profile() { # functions seed -> path
    local path=$DATA/gen-$1-$2.stats
    if [ ! -s "$path" ]; then
        log "generating a $1-function profile (seed $2)"
        "$PYTHON" "$ROOT/bench/gen_profile.py" --functions "$1" --seed "$2" --out "$path" \
            --workdir "$WORKDIR_BASE/pstat-gen-$1-$2" >&2
    fi
    echo "$path"
}
folded() { # lines seed -> path
    local path=$DATA/gen-$1-$2.folded
    if [ ! -s "$path" ]; then
        log "generating $1 lines of folded stacks (seed $2)"
        "$PYTHON" "$ROOT/bench/gen_folded.py" --lines "$1" --seed "$2" --out "$path" >&2
    fi
    echo "$path"
}

# flameprof's launcher is "exec python -m flameprof", which finds whatever python is on PATH,
# not the venv's; so it is run as `$VPY -m flameprof` below.

# (d, e) One timed command: mean seconds (hyperfine or a loop) and peak RSS in KiB.
RESULTS=$OUT/results.tsv
: > "$RESULTS"
measure() { # task label runs command
    local task=$1 label=$2 runs=$3 cmd=$4 mean rss
    log "$label"
    if [ -n "$HYPERFINE" ]; then
        "$HYPERFINE" --runs "$runs" --style none --export-json "$OUT/hf.json" "$cmd" >/dev/null 2>&1 \
            || { echo "compare.sh: failed: $cmd" >&2; echo -e "$task\t$label\tfailed\t-" >> "$RESULTS"; return 0; }
        mean=$("$PYTHON" -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$OUT/hf.json")
    else
        local total=0 i t
        for ((i = 0; i < runs; i++)); do
            /usr/bin/time -f %e -o "$OUT/time.txt" sh -c "$cmd" >/dev/null 2>&1
            t=$(tail -1 "$OUT/time.txt")
            total=$("$PYTHON" -c "print($total + $t)")
        done
        mean=$("$PYTHON" -c "print('%.4f' % ($total / $runs))")
    fi
    /usr/bin/time -f %M -o "$OUT/time.txt" sh -c "$cmd" >/dev/null 2>&1
    rss=$(tail -1 "$OUT/time.txt")
    echo -e "$task\t$label\t$mean\t$rss" >> "$RESULTS"
}

# (f) The table: speed-up = the other tool's time / pstat's time for the same task; the
# argument names the other side in the last column's header.
table() { # other
    "$PYTHON" - "$RESULTS" "$1" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
other = sys.argv[2]
is_pstat = lambda label: label.split()[0] == "pstat"
pstat = {task: float(mean) for task, label, mean, rss in rows
         if is_pstat(label) and mean != "failed"}
print("| task | command | mean time | peak memory | %s / pstat |" % other)
print("|---|---|---:|---:|---:|")
for task, label, mean, rss in rows:
    if mean == "failed":
        print("| %s | `%s` | failed | - | - |" % (task, label))
        continue
    ratio = ""
    if not is_pstat(label) and task in pstat and pstat[task] > 0:
        ratio = "%.1f×" % (float(mean) / pstat[task])
    print("| %s | `%s` | %.3f s | %.0f MiB | %s |" % (
        task, label, float(mean), int(rss) / 1024, ratio))
EOF
}

if [ "$SCALING" = 1 ]; then
    log "scaling: pstat alone at 10k, 100k and 300k functions"
    echo -e "functions\tbytes\ttask\tmean_s\tus_per_function" > "$OUT/scaling.tsv"
    for n in 10000 100000 300000; do
        F=$(profile "$n" 1)
        cat "$F" > /dev/null
        for task in show callgrind folded json stats; do
            case $task in
                show) cmd="$PSTAT show $F --sort tottime -n 20 > /dev/null" ;;
                *) cmd="$PSTAT convert $F -o $OUT/scaling.$task" ;;
            esac
            : > "$RESULTS"
            measure "$task" "$task" 5 "$cmd"
            mean=$(cut -f3 "$RESULTS")
            "$PYTHON" -c 'import sys; n, b, t, m = sys.argv[1:]; print("%s\t%s\t%s\t%s\t%.3f" % (n, b, t, m, float(m) / int(n) * 1e6))' \
                "$n" "$(stat -c %s "$F")" "$task" "$mean" >> "$OUT/scaling.tsv"
        done
    done
    "$PYTHON" - "$OUT/scaling.tsv" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
print("| task | " + " | ".join("%dk functions (%.1f MB)" % (int(n) // 1000, int(b) / 1e6)
                            for n, b in dict((r[0], r[1]) for r in rows).items()) + " |")
print("|---|" + "---:|" * len({r[0] for r in rows}))
for task in dict.fromkeys(r[2] for r in rows):
    cells = ["%.3f s (%.2f µs/fn)" % (float(r[3]), float(r[4])) for r in rows if r[2] == task]
    print("| %s | %s |" % (task, " | ".join(cells)))
EOF
    exit 0
fi

# The cProfile table (not with --folded-only).
if [ "$FOLDED_ONLY" = 0 ]; then
F=$(profile "$FUNCTIONS" 1)
log "profile: $F ($(stat -c %s "$F") bytes)"
cat "$F" > /dev/null  # into the page cache before anything is timed

PY_SHOW='import pstats, sys; pstats.Stats(sys.argv[1]).sort_stats("tottime").print_stats(20)'
PY_CALLERS='import pstats, sys; pstats.Stats(sys.argv[1]).print_callers(20)'
PY_DUMP='import pstats, sys; pstats.Stats(sys.argv[1]).dump_stats(sys.argv[2])'
PY_MARSHAL='import marshal, sys; marshal.load(open(sys.argv[1], "rb"))'

measure floor "cat F" "$RUNS" "cat $F > /dev/null"
measure floor "python marshal.load(F)" "$RUNS" "$VPY -c '$PY_MARSHAL' $F"
measure show "pstat show F --sort tottime -n 20" "$RUNS" "$PSTAT show $F --sort tottime -n 20 > /dev/null"
measure show "pstats sort_stats('tottime').print_stats(20)" "$RUNS" "$VPY -c '$PY_SHOW' $F > /dev/null"
measure callers "pstat callers F -n 20" "$RUNS" "$PSTAT callers $F -n 20 > /dev/null"
measure callers "pstats print_callers(20)" "$RUNS" "$VPY -c '$PY_CALLERS' $F > /dev/null"
measure callgrind "pstat convert F -o x.callgrind" "$RUNS" "$PSTAT convert $F -o $OUT/x.callgrind"
measure callgrind "pyprof2calltree -i F -o x" "$RUNS" "$VENV/bin/pyprof2calltree -i $F -o $OUT/p2c.callgrind"
measure folded "pstat convert F -o x.folded" "$RUNS" "$PSTAT convert $F -o $OUT/x.folded"
measure folded "flameprof --format=log F" "$RUNS" "$VPY -m flameprof --format=log $F > $OUT/flameprof.folded"
measure svg "pstat convert F -o x.svg" "$RUNS" "$PSTAT convert $F -o $OUT/x.svg"
measure svg "flameprof F (SVG)" "$RUNS" "$VPY -m flameprof $F > $OUT/flameprof.svg"
measure stats "pstat convert F -o x.stats" "$RUNS" "$PSTAT convert $F -o $OUT/x.stats"
measure stats "pstats Stats(F).dump_stats(x)" "$RUNS" "$VPY -c '$PY_DUMP' $F $OUT/py.stats"
measure json "pstat convert F -o x.json" "$RUNS" "$PSTAT convert $F -o $OUT/x.json"
measure speedscope "pstat convert F -o x.speedscope.json" "$RUNS" "$PSTAT convert $F -o $OUT/x.speedscope.json"

if [ "$MERGE_FILES" -gt 0 ]; then
    # MERGE_FILES profiles of MERGE_FUNCTIONS functions: MERGE_SEEDS distinct ones, each linked
    # (or copied) under several names.
    MERGE=$DATA/merge-$MERGE_FUNCTIONS-$MERGE_FILES
    if [ ! -e "$MERGE/.done" ]; then
        rm -rf "$MERGE"
        mkdir -p "$MERGE"
        for ((i = 0; i < MERGE_FILES; i++)); do
            src=$(profile "$MERGE_FUNCTIONS" $((i % MERGE_SEEDS + 1)))
            dst=$(printf '%s/p%04d.stats' "$MERGE" "$i")
            ln "$src" "$dst" 2>/dev/null || cp "$src" "$dst"
        done
        touch "$MERGE/.done"
    fi
    cat "$MERGE"/*.stats > /dev/null
    PY_MERGE='import pstats, sys; pstats.Stats(*sys.argv[2:]).dump_stats(sys.argv[1])'
    MERGE_RUNS=$(( RUNS < 2 ? RUNS : 2 ))
    measure merge "pstat convert ${MERGE_FILES}×*.stats -o all.stats" "$MERGE_RUNS" \
        "$PSTAT convert $MERGE/*.stats -o $OUT/all.stats"
    measure merge "pstats Stats(*${MERGE_FILES} files).dump_stats(x)" 1 \
        "$VPY -c '$PY_MERGE' $OUT/py-all.stats $MERGE/*.stats"
fi

echo
echo "profile: $(basename "$F"), $(stat -c %s "$F") bytes; $RUNS runs each (merge: fewer)"
echo "pstat $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $("$VPY" --version 2>&1), $(nproc) cores"
echo
table Python
echo
echo "Parsing alone, one core (${ONE_CORE[*]:-not pinned}; examples/parse_rate.rs: the file read once, then parsed 9 times):"
"${ONE_CORE[@]}" "$PARSE_RATE" "$F" 9
fi

# Folded stacks (py-spy's shape, unordered lines): pstat beside inferno's flame graph writer.
# There is no reference tool for folded → callgrind or for the listing: pstat's time alone.
if [ "$FOLDED_LINES" -gt 0 ]; then
    F=$(folded "$FOLDED_LINES" 1)
    log "folded stacks: $F ($(stat -c %s "$F") bytes)"
    cat "$F" > /dev/null
    RESULTS=$OUT/results-folded.tsv
    : > "$RESULTS"
    measure "folded→svg" "pstat convert F -o x.svg" "$RUNS" "$PSTAT convert $F -o $OUT/folded.svg"
    if [ -x "$INFERNO_FLAMEGRAPH" ]; then
        measure "folded→svg" "inferno-flamegraph F > x.svg" "$RUNS" \
            "$INFERNO_FLAMEGRAPH $F > $OUT/inferno.svg"
        # It has no --version; cargo install records the version beside bin/.
        INFERNO_VERSION=$(grep -o 'inferno [0-9.]*' "$(dirname "$INFERNO_FLAMEGRAPH")/../.crates.toml" \
            2>/dev/null || echo "inferno (version unknown)")
    else
        log "no inferno-flamegraph at $INFERNO_FLAMEGRAPH (set INFERNO_FLAMEGRAPH): pstat alone"
        INFERNO_VERSION="not found"
    fi
    measure "folded→callgrind" "pstat convert F -o x.callgrind" "$RUNS" \
        "$PSTAT convert $F -o $OUT/folded.callgrind"
    measure show "pstat show F -n 20" "$RUNS" "$PSTAT show $F -n 20 > /dev/null"
    echo
    echo "folded stacks: $(basename "$F"), $(wc -l < "$F") lines, $(stat -c %s "$F") bytes; $RUNS runs each"
    echo "pstat $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $INFERNO_VERSION, $(nproc) cores"
    echo
    table inferno
    echo
    echo "Reading alone, one core (${ONE_CORE[*]:-not pinned}; examples/parse_rate.rs: the file read once, then parsed 9 times):"
    "${ONE_CORE[@]}" "$PARSE_RATE" "$F" 9
fi
