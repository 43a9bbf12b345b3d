//! Format detection, the front door's read of any kind, and its bounded read of a stream (the
//! first bytes' refusal and the size limit) on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pstat::read::detect(data);
    let _ = pstat::read(data, &Default::default());
    let mut options = pstat::ReadOptions::default();
    options.max_input = 1 << 16;
    if let Ok(bytes) = pstat::read::input_bytes(data, &options) {
        assert_eq!(bytes, data);
        let _ = pstat::read(&bytes, &options);
    }
});
