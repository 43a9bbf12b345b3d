//! The speedscope JSON reader, and the stats report on what it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pstat::ListOptions;
use pstat::read::speedscope::{Options, read};

fuzz_target!(|data: &[u8]| {
    let Ok(profile) = read(data, &Options::default()) else {
        return;
    };
    let _ = pstat::report::write_stats(&profile, &ListOptions::default(), std::io::sink());
});
