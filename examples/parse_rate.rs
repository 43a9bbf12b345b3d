//! How fast pstat parses a profile: reads the file into memory once, then parses it several
//! times and prints the best and median rate. Big stats dumps are read on two threads: run it
//! under `taskset -c 0` for the one-core rate. `--no-callers` reads as `pstat show` does,
//! without the caller→callee edges ([`pstat::ReadOptions::callers`]).
//!
//! ```sh
//! cargo run --release --example parse_rate -- profile.stats [runs] [--no-callers]
//! ```

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = pstat::ReadOptions::default();
    if let Some(at) = args.iter().position(|a| a == "--no-callers") {
        args.remove(at);
        options.callers = false;
    }
    let mut args = args.into_iter();
    let path = args
        .next()
        .ok_or("usage: parse_rate FILE [RUNS] [--no-callers]")?;
    let runs: usize = args.next().map_or(Ok(7), |r| r.parse())?;
    let bytes = std::fs::read(&path)?;
    let mut times = Vec::new();
    let mut functions = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let profile = pstat::read(&bytes, &options).and_then(pstat::AnyProfile::into_calls)?;
        times.push(start.elapsed().as_secs_f64());
        functions = profile.function_count();
        drop(profile);
    }
    times.sort_by(f64::total_cmp);
    let mb = bytes.len() as f64 / 1e6;
    let (best, median) = (times[0], times[times.len() / 2]);
    println!(
        "{path}: {mb:.1} MB, {functions} functions; parse best {:.1} ms ({:.0} MB/s), median {:.1} ms ({:.0} MB/s), {} runs",
        best * 1e3,
        mb / best,
        median * 1e3,
        mb / median,
        times.len()
    );
    Ok(())
}
