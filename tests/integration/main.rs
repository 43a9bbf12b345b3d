//! The one integration test binary: pstat against pstats' own output on real fixtures, the
//! exports (stats dumps read back by Python, callgrind read by callgrind_annotate, JSON against
//! its schema, snapshots of every format), and the command line's behaviour.

mod browser;
mod cli;
mod cli_io;
mod convert;
mod convert_stats;
mod diff;
mod diff_lines;
mod dot;
mod filter;
mod hostile;
mod html;
mod html_diff;
mod json_export;
mod layers;
mod lines;
mod memory;
mod pprof;
mod pstats_fixtures;
mod robustness;
mod sampled;
mod speedscope;
mod support;
mod threads;
mod tree;
