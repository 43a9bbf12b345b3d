//! The .stats reader, and everything a report does with what it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pstat::{ListOptions, SortKey};

fuzz_target!(|data: &[u8]| {
    let Ok(profile) = pstat::read(data, &Default::default()).and_then(pstat::AnyProfile::into_calls) else { return };
    let mut options = ListOptions::default();
    options.sort = vec![SortKey::Time, SortKey::StdName];
    let _ = pstat::report::write_stats(&profile, &options, std::io::sink());
    let _ = pstat::report::write_callees(&profile.strip_dirs(), &options, std::io::sink());
    let _ = pstat::export::callgrind::write(&profile, &Default::default(), std::io::sink());
    let _ = pstat::export::folded::write(&profile, &Default::default(), std::io::sink());
});
