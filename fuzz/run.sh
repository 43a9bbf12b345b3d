#!/usr/bin/env bash
# Fuzz one target for a while: fuzz/run.sh TARGET SECONDS
# Targets: marshal (the decoder), stats (reader + reports + exporters), fastpath (the .stats
# fast path against the general reader), detect (format detection + read), lprof (the pickle
# machine + .lprof reader), speedscope (the speedscope JSON reader + the stats report), folded
# (the folded-stack reader + reports + exporters), mprof (the memory_profiler recording reader +
# summary + SVG and JSON). The
# corpus starts from every fixture dump, .lprof file and sampled-profile file
# (tests/fixtures/sampled: py-spy's speedscope JSON among them); crashes
# land in fuzz/artifacts/TARGET/ and each becomes a regression fixture in tests/fixtures/fuzz/.
# Runs on the stable toolchain: coverage instrumentation without a sanitizer (-s none); Rust's
# own checks (bounds, overflow in debug assertions) still turn bugs into crashes.
set -euo pipefail
target=${1:?target}
seconds=${2:-60}
cd "$(dirname "$0")"
mkdir -p "corpus/$target"
{
    find ../tests/fixtures/stats ../tests/fixtures/lprof -type f \( -name '*.stats' -o -name '*.lprof' \)
    find ../tests/fixtures/sampled -type f ! -name '*.py' ! -name '*.md'
    find ../tests/fixtures/mprof -maxdepth 1 -type f -name '*.dat'
} |
    while read -r seed; do cp -n "$seed" "corpus/$target/seed_$(echo "$seed" | tr '/.' '__')"; done
cargo fuzz run --sanitizer none -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
