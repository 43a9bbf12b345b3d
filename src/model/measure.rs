//! What a profile's figures count: calls and seconds, or samples.

/// What a profile's figures count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Measure {
    /// Calls and seconds, as cProfile and the `profile` module measure them.
    #[default]
    Calls,
    /// Samples: `calls` and `primitive_calls` count samples (on the stack, as the leaf).
    Samples {
        /// Whether `tottime` and `cumtime` are seconds. They are when the input says how long a
        /// sample is (speedscope weights, Python 3.15's dumps, a rate given by the user);
        /// otherwise they hold the sample counts again.
        timed: bool,
    },
}

impl Measure {
    /// Whether the figures are samples.
    pub fn is_sampled(self) -> bool {
        matches!(self, Measure::Samples { .. })
    }

    /// The kind in words, for messages: `calls and seconds`, `samples with times`, …
    pub fn description(self) -> &'static str {
        match self {
            Measure::Calls => "a profile of calls and seconds",
            Measure::Samples { timed: true } => "a sampled profile with times",
            Measure::Samples { timed: false } => "a sampled profile without times",
        }
    }
}
