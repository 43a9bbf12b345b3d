//! Format detection and the top-level read on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pstat::read::detect(data);
    let _ = pstat::read(data, &Default::default()).and_then(pstat::AnyProfile::into_calls);
});
