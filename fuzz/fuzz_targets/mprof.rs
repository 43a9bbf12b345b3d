//! The memory_profiler recording reader on arbitrary bytes, and what the summary and the SVG
//! and JSON exports do with what it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pstat::OutputFormat;
use pstat::export::memory;

fuzz_target!(|data: &[u8]| {
    let Ok(recording) = pstat::read::mprof::read(data) else {
        return;
    };
    let recordings = [recording];
    let _ = pstat::report::memory::write(&recordings, &Default::default(), &mut std::io::sink());
    let options = memory::Options::default();
    let _ = memory::write(OutputFormat::Svg, &recordings, &options, std::io::sink());
    let _ = memory::write(OutputFormat::Json, &recordings, &options, std::io::sink());
});
