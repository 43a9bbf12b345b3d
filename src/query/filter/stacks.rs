//! Filters on a sampled profile's real stacks, as pprof filters samples: each sample's stack is
//! kept, cut or dropped, and the profile is rebuilt from the samples left, so every figure is
//! derived again. docs/filters.md gives the rules with examples.

use hashbrown::HashSet;

use super::{Filter, matching};
use crate::model::{CallStats, FunctionId, Profile, Stacks};

pub(super) fn apply(profile: &Profile, stacks: &Stacks, timed: bool, filter: &Filter) -> Profile {
    let matches = |patterns| (!<[_]>::is_empty(patterns)).then(|| matching(profile, patterns));
    let focus = matches(&filter.focus);
    let ignore = matches(&filter.ignore);
    let hide = matches(&filter.hide);
    let root = matches(&filter.root);
    let leaf = matches(&filter.leaf);
    let mut by_name = None;
    let names = focus.is_some()
        || ignore.is_some()
        || hide.is_some()
        || root.is_some()
        || leaf.is_some()
        || filter.depth.is_some();
    if names {
        let mut shown = Vec::new();
        by_name = Some(profile.rewritten_stacks(stacks, timed, |frames, kept| {
            let has = |set: &[bool]| frames.iter().any(|f| set[f.index()]);
            if focus.as_deref().is_some_and(|set| !has(set)) || ignore.as_deref().is_some_and(has) {
                return false;
            }
            shown.clear();
            match &hide {
                Some(set) => shown.extend(frames.iter().filter(|f| !set[f.index()])),
                None => shown.extend_from_slice(frames),
            }
            let mut from = 0;
            let mut to = shown.len();
            if let Some(set) = &root {
                match shown.iter().position(|f| set[f.index()]) {
                    Some(at) => from = at,
                    None => return false,
                }
            }
            if let Some(set) = &leaf {
                match shown[from..].iter().rposition(|f| set[f.index()]) {
                    Some(at) => to = from + at + 1,
                    None => return false,
                }
            }
            if let Some(depth) = filter.depth {
                to = to.min(from.saturating_add(depth).saturating_add(1));
            }
            kept.extend_from_slice(&shown[from..to]);
            true
        }));
    }
    let mut current = by_name.as_ref().unwrap_or(profile);
    let mut hidden_small = None;
    if let Some(fraction) = filter.node_fraction {
        let threshold = fraction * current.totals().tottime;
        let small: Vec<bool> = current
            .all_functions()
            .map(|id| current.stats(id).cumtime < threshold)
            .collect();
        hidden_small = Some(rebuild(current, |frames, kept| {
            kept.extend(frames.iter().filter(|f| !small[f.index()]));
            true
        }));
        current = hidden_small.as_ref().unwrap_or(current);
    }
    if let Some(fraction) = filter.edge_fraction {
        let threshold = fraction * current.totals().tottime;
        let mut small: HashSet<(FunctionId, FunctionId)> = HashSet::new();
        for callee in current.functions() {
            for (caller, call) in current.callers(callee) {
                if let CallStats::Timed { cumtime, .. } = call
                    && cumtime < threshold
                {
                    small.insert((caller, callee));
                }
            }
        }
        return rebuild(current, |frames, kept| {
            let cut = frames
                .windows(2)
                .position(|pair| small.contains(&(pair[0], pair[1])))
                .map_or(frames.len(), |at| at + 1);
            kept.extend_from_slice(&frames[..cut]);
            true
        });
    }
    match (hidden_small, by_name) {
        (Some(profile), _) | (None, Some(profile)) => profile,
        (None, None) => profile.clone(),
    }
}

/// `profile` rebuilt from its own stacks rewritten by `rewrite`.
fn rebuild(
    profile: &Profile,
    rewrite: impl FnMut(&[FunctionId], &mut Vec<FunctionId>) -> bool,
) -> Profile {
    match (profile.stacks(), profile.measure()) {
        (Some(stacks), crate::Measure::Samples { timed }) => {
            profile.rewritten_stacks(stacks, timed, rewrite)
        }
        // Rebuilt profiles always have stacks.
        _ => profile.clone(),
    }
}
