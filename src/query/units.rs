//! The time units of integer costs, which the stack weights (`query::stacks`) and the exports
//! share.

use std::fmt;

/// The unit of integer costs in callgrind, folded stacks and flame graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeUnit {
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
}

impl TimeUnit {
    /// How many of this unit make a second.
    pub fn per_second(self) -> f64 {
        match self {
            TimeUnit::Ns => 1e9,
            TimeUnit::Us => 1e6,
            TimeUnit::Ms => 1e3,
            TimeUnit::S => 1.0,
        }
    }

    /// The short name: `ns`, `us`, `ms` or `s`.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Ns => "ns",
            TimeUnit::Us => "us",
            TimeUnit::Ms => "ms",
            TimeUnit::S => "s",
        }
    }

    /// The long name: `Nanoseconds`, …
    pub fn long_name(self) -> &'static str {
        match self {
            TimeUnit::Ns => "Nanoseconds",
            TimeUnit::Us => "Microseconds",
            TimeUnit::Ms => "Milliseconds",
            TimeUnit::S => "Seconds",
        }
    }

    /// `seconds` in this unit, as a float.
    pub fn from_seconds(self, seconds: f64) -> f64 {
        seconds * self.per_second()
    }
}

/// A figure as an integer cost, the one rule every integer output follows (docs/security.md,
/// "Huge figures"): rounded; 0 for NaN and for anything below 0.5; `u64::MAX` for anything past
/// it, infinity included. Sums of costs saturate at `u64::MAX` as well.
pub(crate) fn integer_cost(amount: f64) -> u64 {
    let rounded = amount.round();
    if rounded.is_nan() || rounded <= 0.0 {
        0
    } else {
        // `as` saturates: past u64::MAX, and +infinity, give u64::MAX.
        rounded as u64
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TimeUnit {
    type Err = ParseTimeUnitError;
    fn from_str(s: &str) -> Result<TimeUnit, ParseTimeUnitError> {
        match s {
            "ns" => Ok(TimeUnit::Ns),
            "us" => Ok(TimeUnit::Us),
            "ms" => Ok(TimeUnit::Ms),
            "s" => Ok(TimeUnit::S),
            _ => Err(ParseTimeUnitError {
                text: s.to_string(),
            }),
        }
    }
}

/// A text that is not a [`TimeUnit`] name (`ns`, `us`, `ms` or `s`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimeUnitError {
    text: String,
}

impl fmt::Display for ParseTimeUnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a time unit; use ns, us, ms or s", self.text)
    }
}

impl std::error::Error for ParseTimeUnitError {}
