//! The .stats fast path against the general reader: wherever the fast path accepts an input,
//! both must read the same profile.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pstat::read::cprofile::check_fast_path(data));
