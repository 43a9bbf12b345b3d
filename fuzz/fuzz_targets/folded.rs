//! The folded-stack reader (every dialect, with and without thread frames), and what reports and
//! exporters do with the stacks it builds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pstat::ListOptions;
use pstat::read::folded::{Options, read};

fuzz_target!(|data: &[u8]| {
    let mut options = Options::default();
    options.thread_frames = data.first().is_some_and(|b| b & 1 == 1);
    let Ok(profile) = read(data, &options) else {
        return;
    };
    let list = ListOptions::default();
    let _ = pstat::report::write_stats(&profile, &list, std::io::sink());
    let _ = pstat::report::write_callers(&profile.strip_dirs(), &list, std::io::sink());
    let _ = pstat::export::callgrind::write(&profile, &Default::default(), std::io::sink());
    let _ = pstat::export::folded::write(&profile, &Default::default(), std::io::sink());
    let _ = pstat::export::speedscope::write(&profile, &Default::default(), std::io::sink());
    let _ = pstat::export::stats::write(&profile, &Default::default(), std::io::sink());
});
