//! The pickle machine and the .lprof reader, and the line report on whatever reads (with
//! sources that do not exist, so nothing is read from disk).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Any class path is allowed here, to reach the machine's deeper states; the reader below
    // uses line_profiler's own allow-list.
    let _ = pstat::pickle::load(data, &[("os", "system"), ("builtins", "eval")]);
    let _ = pstat::read(data, &Default::default()).and_then(pstat::AnyProfile::into_lines);
});
