//! A memory_profiler recording (`mprof run`): a program's memory over time, its child
//! processes' memory, and the intervals of its `@profile` functions. A different kind of data
//! from a call profile, so a type of its own. docs/mprof.md describes the file and what each
//! figure here means.

/// One measurement: memory in MiB at a Unix time in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemorySample {
    /// Memory used, in MiB (2^20 bytes), as memory_profiler measures it (resident set size).
    pub mib: f64,
    /// When, in seconds since the Unix epoch.
    pub time: f64,
}

/// A child process's samples (`CHLD` lines, `mprof run --multiprocess`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChildProcess {
    /// The child's identifier as the file gives it (memory_profiler writes the process id).
    pub id: String,
    /// Its samples, in file order.
    pub samples: Vec<MemorySample>,
}

/// One call of an `@profile` function (a `FUNC` line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunctionCall {
    /// Memory and time when the call started.
    pub start: MemorySample,
    /// Memory and time when it returned.
    pub end: MemorySample,
    /// How many `@profile` calls were running around it (0 for the outermost), when the file
    /// says (memory_profiler 0.55 and later write it).
    pub stack_level: Option<u32>,
}

impl FunctionCall {
    /// How long the call ran, in seconds.
    pub fn duration(&self) -> f64 {
        self.end.time - self.start.time
    }

    /// How much memory grew during the call, in MiB (negative when it shrank).
    pub fn increase(&self) -> f64 {
        self.end.mib - self.start.mib
    }
}

/// An `@profile` function and its calls.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryFunction {
    /// `module.function`, as memory_profiler names it.
    pub name: String,
    /// Its calls, in file order.
    pub calls: Vec<FunctionCall>,
}

impl MemoryFunction {
    /// The largest growth of memory during one call, in MiB (negative if every call shrank
    /// it; 0 with no calls).
    pub fn largest_increase(&self) -> f64 {
        self.calls
            .iter()
            .map(FunctionCall::increase)
            .reduce(f64::max)
            .unwrap_or(0.0)
    }

    /// The memory when the call that returned last returned, in MiB (0 with no calls).
    pub fn memory_at_end(&self) -> f64 {
        self.calls
            .iter()
            .reduce(|a, b| if b.end.time >= a.end.time { b } else { a })
            .map_or(0.0, |call| call.end.mib)
    }

    /// The time spent inside the function, summed over its calls, in seconds (a recursive
    /// function's inner calls count again).
    pub fn time_inside(&self) -> f64 {
        self.calls.iter().map(FunctionCall::duration).sum()
    }
}

/// A memory_profiler recording, as `mprof run` writes it (`mprofile_*.dat`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemoryProfile {
    pub(crate) command: Option<String>,
    pub(crate) samples: Vec<MemorySample>,
    pub(crate) children: Vec<ChildProcess>,
    pub(crate) functions: Vec<MemoryFunction>,
    pub(crate) path: Option<String>,
}

impl MemoryProfile {
    /// The command that was recorded (the last `CMDLINE` line, as memory_profiler keeps it).
    pub fn command(&self) -> Option<&str> {
        self.command.as_deref()
    }

    /// The program's samples (`MEM` lines), in file order.
    pub fn samples(&self) -> &[MemorySample] {
        &self.samples
    }

    /// The child processes, in the order they first appear.
    pub fn children(&self) -> &[ChildProcess] {
        &self.children
    }

    /// The `@profile` functions, in the order they first appear.
    pub fn functions(&self) -> &[MemoryFunction] {
        &self.functions
    }

    /// The file it was read from, when read with [`read_path`](crate::read_path).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// Sets the file it was read from, as reports and legends name it.
    pub fn set_path(&mut self, path: impl Into<String>) {
        self.path = Some(path.into());
    }

    /// Time zero of the recording, as `mprof plot` takes it: the earliest time among the
    /// program's samples and the function calls (children are drawn against it too). `None`
    /// when the file holds neither.
    pub fn start(&self) -> Option<f64> {
        let calls = self
            .calls()
            .flat_map(|call| [call.start.time, call.end.time]);
        self.samples
            .iter()
            .map(|s| s.time)
            .chain(calls)
            .reduce(f64::min)
    }

    /// The latest time of anything recorded (samples, children's samples, calls).
    pub fn end(&self) -> Option<f64> {
        let calls = self
            .calls()
            .flat_map(|call| [call.start.time, call.end.time]);
        let children = self.children.iter().flat_map(|c| c.samples.iter());
        self.samples
            .iter()
            .chain(children)
            .map(|s| s.time)
            .chain(calls)
            .reduce(f64::max)
    }

    /// From [`start`](Self::start) to [`end`](Self::end), in seconds (0 for an empty file).
    pub fn duration(&self) -> f64 {
        match (self.start(), self.end()) {
            (Some(start), Some(end)) => (end - start).max(0.0),
            _ => 0.0,
        }
    }

    /// The program's largest sample, as `mprof peak` prints it: the first of the largest, so
    /// its time is when memory first reached the peak. `None` without samples.
    pub fn peak(&self) -> Option<MemorySample> {
        peak_of(&self.samples)
    }

    /// The memory when recording began: the first sample.
    pub fn baseline(&self) -> Option<MemorySample> {
        self.samples.first().copied()
    }

    /// Every function call, function by function.
    pub fn calls(&self) -> impl Iterator<Item = &FunctionCall> {
        self.functions.iter().flat_map(|f| f.calls.iter())
    }
}

impl ChildProcess {
    /// The child's largest sample (the first of the largest), as `mprof peak` prints it.
    pub fn peak(&self) -> Option<MemorySample> {
        peak_of(&self.samples)
    }
}

fn peak_of(samples: &[MemorySample]) -> Option<MemorySample> {
    samples
        .iter()
        .copied()
        .reduce(|best, s| if s.mib > best.mib { s } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(mib: f64, time: f64) -> MemorySample {
        MemorySample { mib, time }
    }

    #[test]
    fn peak_is_the_first_of_the_largest() {
        let profile = MemoryProfile {
            samples: vec![sample(1.0, 10.0), sample(3.0, 11.0), sample(3.0, 12.0)],
            ..Default::default()
        };
        assert_eq!(profile.peak(), Some(sample(3.0, 11.0)));
        assert_eq!(profile.baseline(), Some(sample(1.0, 10.0)));
        assert_eq!(profile.duration(), 2.0);
    }

    #[test]
    fn function_figures() {
        let call = |a: f64, b: f64, t0: f64, t1: f64| FunctionCall {
            start: sample(a, t0),
            end: sample(b, t1),
            stack_level: None,
        };
        let f = MemoryFunction {
            name: "m.f".into(),
            calls: vec![call(1.0, 5.0, 0.0, 1.0), call(5.0, 2.0, 2.0, 2.5)],
        };
        assert_eq!(f.largest_increase(), 4.0);
        assert_eq!(f.memory_at_end(), 2.0);
        assert_eq!(f.time_inside(), 1.5);
        let empty = MemoryProfile::default();
        assert_eq!(
            (empty.start(), empty.peak(), empty.duration()),
            (None, None, 0.0)
        );
    }
}
