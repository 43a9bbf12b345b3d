//! The filter flags every command takes (docs/filters.md), flattened into each command's
//! arguments.

use anyhow::Context;
use clap::Args;
use pstat::Profile;
use pstat::query::filter::{Filter, Pattern, Reduction};

/// Filters that cut the profile down before any report or export (docs/filters.md). Patterns
/// are Python regular expressions searched in the printed name, `file:line(function)`; a
/// repeated flag matches any of its patterns.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Keep only what lies on a call path through a matching function: its callers up to the
    /// roots and everything it calls
    #[arg(long, value_name = "REGEX")]
    focus: Vec<Pattern>,

    /// Drop matching functions and whatever is reachable only through them (their time leaves
    /// the total)
    #[arg(long, value_name = "REGEX")]
    ignore: Vec<Pattern>,

    /// Remove matching functions from view and charge their own time to their callers (the
    /// total stays)
    #[arg(long, value_name = "REGEX")]
    hide: Vec<Pattern>,

    /// Keep only matching functions and what they call
    #[arg(long, value_name = "REGEX")]
    root: Vec<Pattern>,

    /// Keep only matching functions and what calls them
    #[arg(long, value_name = "REGEX")]
    leaf: Vec<Pattern>,

    /// Keep only functions at most N calls below the roots (below --root's matches if given)
    #[arg(long, value_name = "N")]
    depth: Option<usize>,

    /// Hide functions whose cumulative time is below this fraction of the total (a fraction:
    /// 0.005 is 0.5%)
    #[arg(long, value_name = "F", value_parser = fraction)]
    pub node_fraction: Option<f64>,

    /// Drop calls (edges) whose cumulative time is below this fraction of the total (a
    /// fraction: 0.001 is 0.1%)
    #[arg(long, value_name = "F", value_parser = fraction)]
    pub edge_fraction: Option<f64>,
}

impl FilterArgs {
    /// The library filter these flags ask for.
    pub fn filter(&self) -> Filter {
        let mut filter = Filter::default();
        filter.focus = self.focus.clone();
        filter.ignore = self.ignore.clone();
        filter.hide = self.hide.clone();
        filter.root = self.root.clone();
        filter.leaf = self.leaf.clone();
        filter.depth = self.depth;
        filter.node_fraction = self.node_fraction;
        filter.edge_fraction = self.edge_fraction;
        filter
    }

    /// Whether no filter was asked for.
    pub fn is_empty(&self) -> bool {
        self.filter().is_empty()
    }

    /// The profile cut down by the filters, and what they cut (none without filters).
    pub fn apply(&self, profile: Profile) -> anyhow::Result<(Profile, Option<Reduction>)> {
        let filter = self.filter();
        if filter.is_empty() {
            return Ok((profile, None));
        }
        let filtered = profile.filter(&filter).context("filtering the profile")?;
        Ok((filtered.profile, Some(filtered.reduction)))
    }
}

/// A fraction of the total, from 0 to 1.
fn fraction(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{text:?} is not a fraction from 0 to 1 (0.005 is 0.5%)"
        )),
    }
}
