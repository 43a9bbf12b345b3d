//! The marshal decoder on arbitrary bytes: a value or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pstat::marshal::Decoder;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut decoder) = Decoder::new(data) {
        if let Ok(value) = decoder.read_object() {
            // Walk what was decoded, as a consumer would.
            let _ = format!("{value:?}");
        }
    }
});
