//! Broken input never panics: every fixture cut short and with bits flipped, at sampled
//! offsets, reads to an error or to a profile.

use crate::support::stats_fixtures;

/// Offsets to try: all of a small file; otherwise the first and last 256 and every 127th.
fn sample_offsets(len: usize) -> impl Iterator<Item = usize> {
    (0..len).filter(move |&i| len <= 4096 || i < 256 || i + 256 >= len || i % 127 == 0)
}

#[test]
fn truncated_fixtures_give_errors() {
    let mut tried = 0;
    for path in stats_fixtures() {
        let bytes = std::fs::read(&path).expect("read");
        for cut in sample_offsets(bytes.len()) {
            // Every dump ends with the dict's terminator, so any proper prefix is incomplete.
            let result = pstat::read(&bytes[..cut], &Default::default())
                .and_then(pstat::AnyProfile::into_calls);
            assert!(
                result.is_err(),
                "{} cut at {cut} read as a profile",
                path.display()
            );
            tried += 1;
        }
    }
    eprintln!("truncations tried: {tried}");
}

#[test]
fn bit_flips_never_panic() {
    let mut outcomes = [0usize; 2];
    for path in stats_fixtures() {
        let original = std::fs::read(&path).expect("read");
        let mut bytes = original.clone();
        for at in sample_offsets(original.len()).step_by(5) {
            for bit in [0, 3, 7] {
                bytes[at] ^= 1 << bit;
                let result = pstat::read(&bytes, &Default::default())
                    .and_then(pstat::AnyProfile::into_calls);
                if let Ok(profile) = &result {
                    // Whatever reads must also report.
                    let options = pstat::ListOptions::default();
                    pstat::report::write_callees(profile, &options, std::io::sink()).expect("sink");
                }
                outcomes[usize::from(result.is_ok())] += 1;
                bytes[at] = original[at];
            }
        }
    }
    eprintln!("bit flips: {} errors, {} read", outcomes[0], outcomes[1]);
    assert!(outcomes[0] > 0 && outcomes[1] > 0);
}

/// Every fixture cut at every byte offset gives an error, each within a time bound. Slow in a
/// debug build (the work is quadratic in the fixture size), so `.ci/run` runs it optimised:
/// `cargo test --profile sweep --test integration -- --ignored`.
#[test]
#[ignore = "exhaustive; .ci/run runs it optimised"]
fn every_fixture_cut_at_every_offset() {
    let mut cuts = 0u64;
    let mut slowest = std::time::Duration::ZERO;
    for path in stats_fixtures() {
        let bytes = std::fs::read(&path).expect("read");
        for cut in 0..bytes.len() {
            let started = std::time::Instant::now();
            let result = pstat::read(&bytes[..cut], &Default::default())
                .and_then(pstat::AnyProfile::into_calls);
            slowest = slowest.max(started.elapsed());
            assert!(
                result.is_err(),
                "{} cut at {cut} read as a profile",
                path.display()
            );
            cuts += 1;
        }
    }
    eprintln!("{cuts} truncations, slowest {slowest:?}");
    assert!(
        slowest < std::time::Duration::from_secs(1),
        "a truncated read took {slowest:?}"
    );
}
