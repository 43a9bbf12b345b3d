//! The pickle machine and the .lprof reader, and the line report on whatever reads (with no
//! sources, so nothing is read from disk).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Any class path is allowed here, to reach the machine's deeper states; the reader below
    // uses line_profiler's own allow-list.
    let _ = pstat::pickle::load(data, &[("os", "system"), ("builtins", "eval")]);
    let Ok(profile) =
        pstat::read(data, &Default::default()).and_then(pstat::AnyProfile::into_lines)
    else {
        return;
    };
    let mut options = pstat::report::lines::Options::default();
    options.summarize = true;
    let sources = pstat::report::lines::NoSources;
    let _ = pstat::report::lines::write_with_sources(&profile, &options, &sources, std::io::sink());
});
