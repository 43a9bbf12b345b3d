//! Criterion benches of pstat's library calls, each on two inputs: a profile of about 10,000
//! functions made by `bench/gen_profile.py` (really running generated code under cProfile), and
//! a small committed fixture for a quick look.
//!
//! ```sh
//! cargo bench --bench pstat                 # everything
//! cargo bench --bench pstat -- small        # only the small fixture
//! ```
//!
//! The `folded` group reads folded stacks (`pstat::read::folded::read`) from two files made by
//! `bench/gen_folded.py`, about 20 MB each: one in py-spy's unordered line order and one sorted
//! as inferno's collapsers write it.
//!
//! The generated inputs are written to `target/bench-data/` on first use; without python3 the
//! benches fall back to committed fixtures and say so.

use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use pstat::{ListOptions, Profile, Restriction, SortKey, export};

/// Functions in the generated profile, and its structure seed.
const FUNCTIONS: u32 = 10_000;
const SEED: u32 = 1;

/// Lines in each generated folded file (about 300 bytes a line: about 21 MB), and its seed.
const FOLDED_LINES: u32 = 70_000;
/// What is read when python3 is missing: a committed py-spy capture.
const FOLDED_FALLBACK: &str = "tests/fixtures/sampled/py-spy/mix.folded";

/// The small committed fixture.
const SMALL: &str = "tests/fixtures/stats/py313/cprofile.stats";
/// What is timed when python3 is missing: the biggest committed cProfile fixture.
const FALLBACK: &str = "tests/fixtures/stats/py313/cprofile_cli.stats";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The generated profile's path, generating it if needed; or the fallback fixture.
fn generated_profile() -> (String, PathBuf) {
    let root = manifest_dir();
    let data = root.join("target").join("bench-data");
    let path = data.join(format!("gen-{FUNCTIONS}-{SEED}.stats"));
    if path.exists() {
        return (format!("gen{}k", FUNCTIONS / 1000), path);
    }
    let generated = std::fs::create_dir_all(&data).is_ok()
        && Command::new("python3")
            .arg(root.join("bench").join("gen_profile.py"))
            .args(["--functions", &FUNCTIONS.to_string()])
            .args(["--seed", &SEED.to_string()])
            .arg("--out")
            .arg(&path)
            .arg("--quiet")
            .status()
            .is_ok_and(|status| status.success());
    if generated {
        (format!("gen{}k", FUNCTIONS / 1000), path)
    } else {
        eprintln!(
            "could not run python3 bench/gen_profile.py; timing the committed fixture {FALLBACK} \
             instead of a generated {FUNCTIONS}-function profile"
        );
        ("fallback".to_string(), root.join(FALLBACK))
    }
}

/// A folded file from `bench/gen_folded.py` (`sorted` or in py-spy's order), generating it if
/// needed; `None` when python3 could not make it.
fn generated_folded(sorted: bool) -> Option<PathBuf> {
    let root = manifest_dir();
    let data = root.join("target").join("bench-data");
    let suffix = if sorted { "-sorted" } else { "" };
    let path = data.join(format!("gen-{FOLDED_LINES}-{SEED}{suffix}.folded"));
    if path.exists() {
        return Some(path);
    }
    let mut command = Command::new("python3");
    command
        .arg(root.join("bench").join("gen_folded.py"))
        .args(["--lines", &FOLDED_LINES.to_string()])
        .args(["--seed", &SEED.to_string()])
        .arg("--out")
        .arg(&path)
        .arg("--quiet");
    if sorted {
        command.arg("--sorted");
    }
    let generated = std::fs::create_dir_all(&data).is_ok()
        && command.status().is_ok_and(|status| status.success());
    generated.then_some(path)
}

fn tottime_top20() -> ListOptions {
    let mut options = ListOptions::default();
    options.sort = vec![SortKey::Time];
    options.restrictions = vec![Restriction::Count(20)];
    options
}

fn first20() -> ListOptions {
    let mut options = ListOptions::default();
    options.restrictions = vec![Restriction::Count(20)];
    options
}

fn bench_input(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, bytes: &[u8]) {
    let profile: Profile = pstat::read(bytes, &Default::default())
        .and_then(pstat::AnyProfile::into_calls)
        .expect("the bench input is a profile");

    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            pstat::read(black_box(bytes), &Default::default())
                .and_then(pstat::AnyProfile::into_calls)
                .expect("parses")
        })
    });
    group.throughput(Throughput::Elements(profile.function_count() as u64));

    // pstat show F --sort tottime -n 20
    let options = tottime_top20();
    group.bench_function("show --sort tottime -n 20", |b| {
        b.iter(|| {
            pstat::report::write_stats(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    // pstat callers F -n 20
    let options = first20();
    group.bench_function("callers -n 20", |b| {
        b.iter(|| {
            pstat::report::write_callers(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    group.bench_function("strip_dirs", |b| {
        b.iter(|| black_box(&profile).strip_dirs())
    });

    // Exporters write unbuffered into what they are given: pass a BufWriter, as callers do.
    let options = export::callgrind::Options::default();
    group.bench_function("convert callgrind", |b| {
        b.iter(|| {
            export::callgrind::write(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    let options = export::folded::Options::default();
    group.bench_function("convert folded", |b| {
        b.iter(|| {
            export::folded::write(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    let options = export::json::Options::default();
    group.bench_function("convert json", |b| {
        b.iter(|| {
            export::json::write(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    let options = export::stats::Options::default();
    group.bench_function("convert stats", |b| {
        b.iter(|| {
            export::stats::write(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    let options = export::dot::Options::default();
    group.bench_function("convert dot", |b| {
        b.iter(|| {
            export::dot::write(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    let options = export::pprof::Options::default();
    group.bench_function("convert pprof", |b| {
        b.iter(|| {
            export::pprof::write(
                black_box(&profile),
                &options,
                io::BufWriter::new(io::sink()),
            )
        })
    });
    group.bench_function("tree", |b| {
        b.iter(|| {
            let tree = pstat::query::tree::build(black_box(&profile), &Default::default());
            pstat::report::tree::write(
                &profile,
                &tree,
                &Default::default(),
                io::BufWriter::new(io::sink()),
            )
        })
    });
}

/// A committed line_profiler 5.1 dump: `.lprof` parse (the pickle machine and the reader).
const LPROF: &str = "tests/fixtures/lprof/py312-lp5.1.0/demo.lprof";

fn benches(c: &mut Criterion) {
    let (name, path) = generated_profile();
    let bytes = std::fs::read(&path).expect("reading the generated profile");
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    bench_input(&mut group, &bytes);
    group.finish();

    let bytes = std::fs::read(manifest_dir().join(SMALL)).expect("reading the small fixture");
    let mut group = c.benchmark_group("small");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_millis(500));
    bench_input(&mut group, &bytes);
    group.finish();

    let bytes = std::fs::read(manifest_dir().join(LPROF)).expect("reading the .lprof fixture");
    let mut group = c.benchmark_group("lprof");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_millis(500));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            pstat::read(black_box(&bytes), &Default::default())
                .and_then(pstat::AnyProfile::into_lines)
                .expect("parses")
        })
    });
    group.finish();

    // Folded stacks: bytes per second of reading, in both line orders.
    let mut group = c.benchmark_group("folded");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    let options = pstat::read::folded::Options::default();
    for (name, sorted) in [("read", false), ("read sorted", true)] {
        let path = generated_folded(sorted).unwrap_or_else(|| {
            eprintln!(
                "could not run python3 bench/gen_folded.py; reading the committed fixture \
                 {FOLDED_FALLBACK} instead of {FOLDED_LINES} generated lines"
            );
            manifest_dir().join(FOLDED_FALLBACK)
        });
        let bytes = std::fs::read(&path).expect("reading the folded file");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| pstat::read::folded::read(black_box(&bytes), &options).expect("parses"))
        });
    }
    group.finish();
}

criterion_group!(pstat_benches, benches);
criterion_main!(pstat_benches);
