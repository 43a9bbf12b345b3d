#!/usr/bin/env bash
# Writes every report and every conversion pstat makes of every fixture (and of any extra
# profiles named after the output folder) into OUT, one file each, so that two builds can be
# compared with `diff -r`: a refactoring that changes no behaviour changes no byte here.
#
#   bench/outputs.sh target/release/pstat /tmp/before [big.stats ...]
#   (change, rebuild)
#   bench/outputs.sh target/release/pstat /tmp/after [big.stats ...]
#   diff -r /tmp/before /tmp/after && echo identical
set -uo pipefail
bin=$(realpath "$1"); out=$2; shift 2
cd "$(dirname "$0")/.."
mkdir -p "$out"
export TZ=UTC
# The report headers show each file's modification time: pin it, as the tests do.
find tests/fixtures -name '*.stats' -o -name '*.lprof' | xargs touch -d @1700000000
run() { # name, command...
    local name=$1; shift
    "$@" >"$out/$name.out" 2>"$out/$name.err"
    echo "exit $?" >>"$out/$name.err"
}
stats=$(find tests/fixtures/stats -name '*.stats' | sort)
lprof=$(find tests/fixtures/lprof -name '*.lprof' | sort)
for f in $stats "$@"; do
    key=$(echo "$f" | tr '/' '_')
    for sort in "" time cumulative calls pcalls nfl stdname; do
        s=${sort:+--sort $sort}
        run "$key.show.$sort" "$bin" show "$f" $s
        run "$key.callers.$sort" "$bin" callers "$f" $s -n 30
        run "$key.callees.$sort" "$bin" callees "$f" $s -n 30
    done
    run "$key.show.strip" "$bin" show "$f" --strip-dirs --sort time -n 10 --match 'a'
    for fmt in callgrind folded svg json speedscope stats; do
        run "$key.convert.$fmt" "$bin" convert "$f" -o - --format "$fmt"
        run "$key.convert.$fmt.strip" "$bin" convert "$f" -o - --format "$fmt" --strip-dirs --unit ms --match '.'
    done
done
for f in $lprof; do
    key=$(echo "$f" | tr '/' '_')
    run "$key.lines" "$bin" lines "$f"
    run "$key.lines.opts" "$bin" lines "$f" -z -m -t -u 1e-3
    run "$key.convert.json" "$bin" convert "$f" -o - --format json
    run "$key.convert.callgrind" "$bin" convert "$f" -o - --format callgrind
done
# Merges and error messages.
run merge "$bin" show $stats --sort time -n 40
run merge.convert "$bin" convert tests/fixtures/stats/py313/cprofile.stats tests/fixtures/stats/py312/cprofile.stats -o - --format callgrind
run lines.merge "$bin" lines $lprof
run err.pickle "$bin" show tests/fixtures/lprof/py312-lp5.1.0/demo.lprof
run err.stats "$bin" lines tests/fixtures/stats/py313/cprofile.stats
run err.text "$bin" show README.md
run err.missing "$bin" show /nonexistent.prof
run err.format "$bin" convert tests/fixtures/stats/py313/cprofile.stats -o x.txt
run err.sort "$bin" show tests/fixtures/stats/py313/cprofile.stats --sort c
run err.unit "$bin" convert tests/fixtures/stats/py313/cprofile.stats -o - --format svg --unit sec
run err.lprof.svg "$bin" convert tests/fixtures/lprof/py312-lp5.1.0/demo.lprof -o - --format svg
# The formats and reports of issue 15, and the sampled fixtures (real stacks). A pprof export
# is gzip: its gunzipped bytes are compared.
sampled=$(find tests/fixtures/sampled -path '*/expected' -prune -o -path '*/programs' -prune \
    -o -type f \( -name '*.folded' -o -name '*.pstats' -o -name '*.speedscope.json' \
    -o -name '*.collapsed.txt' \) -print | sort)
for f in $stats "$@"; do
    key=$(echo "$f" | tr '/' '_')
    run "$key.convert.dot" "$bin" convert "$f" -o - --format dot
    run "$key.tree" "$bin" tree "$f" --color never
    run "$key.tree.inverted" "$bin" tree "$f" --inverted --color never
done
for f in $sampled; do
    key=$(echo "$f" | tr '/' '_')
    for fmt in folded svg json speedscope pprof dot; do
        run "$key.convert.$fmt" "$bin" convert "$f" -o - --format "$fmt"
    done
    run "$key.tree" "$bin" tree "$f" --color never
    run "$key.tree.inverted" "$bin" tree "$f" --inverted --color never
done
for f in $stats "$@"; do
    key=$(echo "$f" | tr '/' '_')
    run "$key.convert.pprof" "$bin" convert "$f" -o - --format pprof
done
for f in "$out"/*.convert.pprof.out; do
    gzip -dc <"$f" >"$f.raw" 2>/dev/null && mv "$f.raw" "$f"
done
echo "$(ls "$out" | wc -l) files in $out"
