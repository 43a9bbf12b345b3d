//! Parallelism in one place: the [`Threads`] setting callers choose, and the sizes from which
//! each piece of work that can run on two threads (or more) does.
//!
//! Every output is the same whatever the setting: the parallel paths split work whose parts
//! are put back in order (docs/design.md, "Threads"). The sizes were measured on two cores; a
//! thread costs about 20–50 µs to start, so each threshold sits where the work it shares is
//! several milliseconds (docs/performance.md has the measurements).

use std::num::NonZeroUsize;

/// How many threads a read or an export may use. Default: [`Threads::Auto`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Threads {
    /// As many as the machine has cores (`std::thread::available_parallelism`), each piece of
    /// work taking threads only from the size below which one thread is as fast.
    #[default]
    Auto,
    /// None but the calling thread: nothing is spawned.
    Off,
    /// At most this many, the calling thread included.
    Count(NonZeroUsize),
}

impl Threads {
    /// How many threads the work may use, the calling thread included: 1 for [`Threads::Off`].
    pub fn count(self) -> usize {
        match self {
            Threads::Auto => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            Threads::Off => 1,
            Threads::Count(n) => n.get(),
        }
    }

    /// Whether a second thread may be used.
    pub(crate) fn two(self) -> bool {
        self.count() > 1
    }

    /// Whether work of `size` (in the threshold's unit) runs on two threads: a second thread is
    /// allowed and the work is at least `from`.
    pub(crate) fn two_from(self, size: usize, from: usize) -> bool {
        size >= from && self.two()
    }
}

/// A stats dump of this many bytes or more is decoded on two threads (one decodes, one builds
/// the profile), and a file that big is read a window at a time rather than whole.
pub(crate) const STATS_DECODE: usize = 4 << 20;

/// A file of this many bytes or more is read into memory as two halves on two threads: the new
/// buffer's page faults are taken two at a time.
pub(crate) const FILE_HALVES: usize = 8 << 20;

/// Folded stacks of this many bytes or more are scanned in two pieces on two threads.
pub(crate) const FOLDED_SCAN: usize = 8 << 20;

/// A call profile with this many functions or more has its stacks estimated in two halves.
pub(crate) const STACK_ESTIMATE: usize = 20_000;

/// A profile with this many edges or more indexes its callees on a second thread while the
/// call tree's groups are found.
pub(crate) const TREE_CALLEES: usize = 1 << 16;

/// An HTML report with this many estimated stacks or more builds its frame tree in two parts.
pub(crate) const HTML_FRAME_TREE: usize = 1 << 16;

/// A callgrind file with this many calls (caller→callee lines) or more is formatted in two
/// halves.
pub(crate) const CALLGRIND_FORMAT: usize = 50_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_is_one_thread_and_a_count_is_kept() {
        assert_eq!(Threads::Off.count(), 1);
        assert!(!Threads::Off.two());
        let three = Threads::Count(NonZeroUsize::new(3).expect("not zero"));
        assert_eq!(three.count(), 3);
        assert!(three.two_from(10, 10));
        assert!(!three.two_from(9, 10));
        assert!(Threads::Auto.count() >= 1);
    }
}
