//! `Threads::Off` gives the same bytes as the default: a profile big enough for every parallel
//! path (docs/design.md, "Threads") is read and written in every format both ways.

use pstat::export::{self, Input};
use pstat::query::tree::{self, TreeOptions};
use pstat::{AnyProfile, OutputFormat, Profile, ReadOptions, Threads};

/// A 40,000-function dump from `bench/gen_profile.py` (about 6 MB): past the sizes from which
/// the stats decoder, the stack estimate, the call tree, the HTML icicle and callgrind take a
/// second thread.
fn big_dump(dir: &std::path::Path) -> std::path::PathBuf {
    let stats = dir.join("big.stats");
    let generated = crate::support::tool("python3")
        .arg("bench/gen_profile.py")
        .args(["--functions", "40000", "--seed", "1", "-q", "--out"])
        .arg(&stats)
        .status()
        .expect("python3 runs");
    assert!(generated.success(), "gen_profile.py failed");
    stats
}

fn read(path: &std::path::Path, threads: Threads) -> Profile {
    let mut options = ReadOptions::default();
    options.threads = threads;
    pstat::read_path(path, &options)
        .and_then(AnyProfile::into_calls)
        .expect("reads")
}

#[test]
fn every_output_is_the_same_without_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stats = big_dump(dir.path());
    assert!(std::fs::metadata(&stats).expect("written").len() > 4 << 20);
    let auto = read(&stats, Threads::Auto);
    let off = read(&stats, Threads::Off);
    assert!(auto.function_count() > 20_000 && auto.edge_count() > 1 << 16);

    for (name, format) in OutputFormat::ALL {
        let mut options = export::Options::default();
        let with = export::to_vec(format, Input::Calls(&auto), &options).expect("writes");
        options.threads = Threads::Off;
        let without = export::to_vec(format, Input::Calls(&off), &options).expect("writes");
        assert!(with == without, "{name}: the outputs differ");
    }

    let mut options = TreeOptions::default();
    let with =
        pstat::report::tree::to_string(&auto, &tree::build(&auto, &options), &Default::default());
    options.threads = Threads::Off;
    let without =
        pstat::report::tree::to_string(&off, &tree::build(&off, &options), &Default::default());
    assert_eq!(with, without);

    // The folded reader's two-piece scan, on the estimated stacks of the same profile.
    let folded = export::to_vec(
        OutputFormat::Folded,
        Input::Calls(&auto),
        &Default::default(),
    )
    .expect("writes");
    let mut text = folded.clone();
    while text.len() < 8 << 20 {
        text.extend_from_slice(&folded);
    }
    let path = dir.path().join("big.folded");
    std::fs::write(&path, &text).expect("write");
    let json = |profile: &Profile| pstat::export::json::to_vec(profile, &Default::default());
    assert_eq!(
        json(&read(&path, Threads::Auto)),
        json(&read(&path, Threads::Off))
    );
}
