//! Call stacks reconstructed from caller→callee edges, for flame graphs.
//!
//! cProfile keeps no stacks, only each function's own time and, per caller→callee edge, the
//! calls and time along it. A flame graph needs stacks, so they are estimated (docs/stacks.md):
//!
//! * Each function's own time (tottime) is shared among its callers in proportion to the time
//!   each edge carried (the edge's cumtime; with no time on any edge, its call count). The share
//!   a caller receives is shared in turn among *its* callers, up to a function with no callers,
//!   which is a root.
//! * Recursion is cut: a caller already on the stack being built is skipped, and the shares are
//!   taken among the remaining callers. A function whose callers are all on the stack ends it.
//! * Shares too small to show (below 1e-6 of the total time, by default) are not followed
//!   further up, unless they are a frame's only caller (no branching) or a leaf function's direct
//!   caller with at least 1% of its own time: all other callers of one frame are gathered under
//!   one [`Frame::OtherCallers`] root, so no time is lost and the number of stacks stays
//!   bounded. So are the shares still to follow when the walk has taken 20,000,000 steps, or
//!   is 4,000 steps up from the leaf (a crafted chain of distinct functions).
//!
//! Every function's own time appears in full, split over its stacks: the stacks' times add up
//! to the sum of all tottimes, i.e. pstats' total time.
//!
//! [`stack_counts`] turns the stacks' times into the integer counts that folded stacks, SVG
//! flame graphs and speedscope write, rounded so that no time is lost or gained.
//!
//! A sampled profile with real stacks ([`Profile::stacks`]) needs none of this:
//! [`sampled_counts`] gives each sampled stack its count, exactly.

use crate::model::{FunctionId, Profile};
use crate::threads::Threads;

mod counts;
mod estimate;
mod halves;

pub(crate) use counts::{Rounding, round_preserving_sum_into, sample_weights};
pub use counts::{sampled_counts, stack_counts};
pub use estimate::StackTable;

/// One frame of a reconstructed stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Frame {
    /// A function of the profile.
    Function(FunctionId),
    /// Callers whose shares were too small to follow, gathered into one root.
    OtherCallers,
}

/// A reconstructed stack: frames from the root to the function whose own time it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// Root first.
    pub frames: Vec<Frame>,
    /// The leaf function's own time attributed to this stack, in seconds.
    pub seconds: f64,
}

/// How stacks are reconstructed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StackOptions {
    /// A caller's share is followed further up if it is at least this fraction of the total
    /// time… Default: 1e-6.
    pub min_fraction: f64,
    /// …or at least this fraction of the leaf function's own time. Smaller shares are gathered
    /// under [`Frame::OtherCallers`]. Default: 0.01.
    pub min_share_of_leaf: f64,
    /// Threads the estimate may use: a profile of 20,000 functions or more is walked
    /// in two halves at once, giving the same stacks. Default: auto.
    pub threads: Threads,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            min_fraction: 1e-6,
            min_share_of_leaf: 0.01,
            threads: Threads::Auto,
        }
    }
}

/// Reconstructs stacks for every listed function with positive own time; each distinct stack
/// appears once. Stacks come out in function order, each function's stacks in caller order;
/// functions with zero or negative own
/// time (possible only in crafted files) get none.
///
/// [`StackTable::estimate`] gives the same stacks in one buffer, without a vector per stack.
pub fn stacks(profile: &Profile, options: &StackOptions) -> Vec<Stack> {
    StackTable::estimate(profile, options).into_stacks()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn profile(bytes: &[u8]) -> Profile {
        crate::read(bytes, &Default::default())
            .and_then(crate::AnyProfile::into_calls)
            .expect("valid test profile")
    }

    /// A function of a test profile: its name, own time, and callers with each edge's cumtime.
    pub(super) struct Row<'a> {
        name: &'a str,
        tottime: f64,
        callers: Vec<(&'a str, f64)>,
    }

    pub(super) fn row<'a>(name: &'a str, tottime: f64, callers: &[(&'a str, f64)]) -> Row<'a> {
        Row {
            name,
            tottime,
            callers: callers.to_vec(),
        }
    }

    /// Builds a cProfile-shaped marshal dict; every function lives in `m.py` at line = its
    /// index + 1.
    pub(super) fn dump(rows: &[Row<'_>]) -> Vec<u8> {
        let line_of = |name: &str| rows.iter().position(|r| r.name == name).unwrap() as i32 + 1;
        let key = |out: &mut Vec<u8>, name: &str| {
            out.extend(b")\x03z\x04m.pyi");
            out.extend(line_of(name).to_le_bytes());
            out.push(b'z');
            out.push(name.len() as u8);
            out.extend(name.as_bytes());
        };
        let float = |out: &mut Vec<u8>, v: f64| {
            out.push(b'g');
            out.extend(v.to_le_bytes());
        };
        let int = |out: &mut Vec<u8>, v: i32| {
            out.push(b'i');
            out.extend(v.to_le_bytes());
        };
        let mut out = vec![b'{'];
        for r in rows {
            key(&mut out, r.name);
            out.extend(b")\x05");
            int(&mut out, 1);
            int(&mut out, 1);
            float(&mut out, r.tottime);
            float(&mut out, r.tottime);
            out.push(b'{');
            for (caller, ct) in &r.callers {
                key(&mut out, caller);
                out.extend(b")\x04");
                int(&mut out, 1);
                int(&mut out, 1);
                float(&mut out, 0.0);
                float(&mut out, *ct);
            }
            out.push(b'0');
        }
        out.push(b'0');
        out
    }

    fn folded(p: &Profile) -> Vec<(String, f64)> {
        stacks(p, &StackOptions::default())
            .into_iter()
            .map(|s| {
                let names: Vec<&str> = s
                    .frames
                    .iter()
                    .map(|f| match f {
                        Frame::Function(id) => p.name(*id),
                        Frame::OtherCallers => "[other]",
                    })
                    .collect();
                (names.join(";"), s.seconds)
            })
            .collect()
    }

    #[test]
    fn shares_follow_edge_time() {
        // main calls a (edge 3.0) and b (edge 1.0); both call leaf, 0.75 via a, 0.25 via b.
        let p = profile(&dump(&[
            row("main", 1.0, &[]),
            row("a", 2.0, &[("main", 3.0)]),
            row("b", 0.5, &[("main", 1.0)]),
            row("leaf", 1.0, &[("a", 0.75), ("b", 0.25)]),
        ]));
        assert_eq!(
            folded(&p),
            [
                ("main".to_string(), 1.0),
                ("main;a".to_string(), 2.0),
                ("main;b".to_string(), 0.5),
                ("main;a;leaf".to_string(), 0.75),
                ("main;b;leaf".to_string(), 0.25),
            ]
        );
    }

    #[test]
    fn recursion_is_cut() {
        // fib calls itself; mutual recursion even <-> odd under main.
        let p = profile(&dump(&[
            row("main", 0.5, &[]),
            row("fib", 1.0, &[("main", 1.5), ("fib", 1.2)]),
            row("even", 0.25, &[("main", 0.5), ("odd", 0.4)]),
            row("odd", 0.25, &[("even", 0.45)]),
        ]));
        assert_eq!(
            folded(&p),
            [
                ("main".to_string(), 0.5),
                ("main;fib".to_string(), 1.0),
                ("main;even".to_string(), 0.25),
                ("main;even;odd".to_string(), 0.25),
            ]
        );
    }

    #[test]
    fn total_is_kept_and_small_shares_are_gathered() {
        let names: Vec<String> = (0..50).map(|i| format!("c{i}")).collect();
        let mut rows = vec![row("root", 0.0, &[])];
        rows.extend(names.iter().map(|n| row(n, 0.0, &[("root", 1.0)])));
        rows.push(Row {
            name: "leaf",
            tottime: 1.0,
            callers: names.iter().map(|n| (n.as_str(), 1.0)).collect(),
        });
        let p = profile(&dump(&rows));
        let options = StackOptions {
            min_fraction: 0.05,
            min_share_of_leaf: 0.05,
            ..Default::default()
        };
        let stacks = stacks(&p, &options);
        // Each caller's share is 1/50 = 0.02 < 0.05: all gathered under one root.
        assert_eq!(stacks.len(), 1);
        assert_eq!(stacks[0].frames.first(), Some(&Frame::OtherCallers));
        assert!((stacks[0].seconds - 1.0).abs() < 1e-12);
    }

    #[test]
    fn every_caller_less_function_is_a_root() {
        let p = profile(&dump(&[row("a", 1.0, &[]), row("b", 2.0, &[])]));
        assert_eq!(folded(&p), [("a".to_string(), 1.0), ("b".to_string(), 2.0)]);
    }
}
