//! The stacks' times as integer counts, rounded so that no time is lost or gained, and the
//! counts of a sampled profile's real stacks.

use hashbrown::HashMap;

use super::{Frame, Stack};
use crate::model::{Measure, Profile, StackId};
use crate::query::units::TimeUnit;

/// Integer counts in `unit` for the stacks, in their order, as folded stacks, flame graphs and
/// speedscope weigh them: each function's own time is rounded first (so the functions' counts
/// add up to the rounded total), then shared among that function's stacks (so no function gains
/// or loses more than the rounding of its own time). A stack whose count is zero is best left
/// out of the output.
pub fn stack_counts(stacks: &[Stack], unit: TimeUnit) -> Vec<u64> {
    // Each stack's leaf, numbered in order of first appearance (stacks of one leaf usually come
    // together, so the previous stack's leaf is tried first).
    const NO_LEAF: u32 = u32::MAX;
    let mut leaf_of: Vec<u32> = Vec::with_capacity(stacks.len());
    let mut numbers: HashMap<Frame, u32> = HashMap::new();
    let mut previous: Option<(Frame, u32)> = None;
    for stack in stacks {
        let Some(&leaf) = stack.frames.last() else {
            leaf_of.push(NO_LEAF);
            continue;
        };
        let number = match previous {
            Some((frame, number)) if frame == leaf => number,
            _ => {
                let next = numbers.len() as u32;
                *numbers.entry(leaf).or_insert(next)
            }
        };
        previous = Some((leaf, number));
        leaf_of.push(number);
    }
    // The stacks of each leaf, in their order: leaf `l`'s are members[start[l]..start[l + 1]].
    let leaves = numbers.len();
    let mut start = vec![0usize; leaves + 1];
    for &leaf in leaf_of.iter().filter(|&&l| l != NO_LEAF) {
        start[leaf as usize + 1] += 1;
    }
    for l in 0..leaves {
        start[l + 1] += start[l];
    }
    let mut next = start.clone();
    let mut members = vec![0usize; start[leaves]];
    for (i, &leaf) in leaf_of.iter().enumerate().filter(|(_, l)| **l != NO_LEAF) {
        members[next[leaf as usize]] = i;
        next[leaf as usize] += 1;
    }
    counts_by_leaf(
        stacks.len(),
        (0..leaves).map(|l| members[start[l]..start[l + 1]].iter().copied()),
        |i| unit.from_seconds(stacks[i].seconds),
    )
}

/// The integer counts of `len` stacks, given each leaf's stacks (their indices, in order) and
/// each stack's amount: the leaves' totals rounded so that they add up to the rounded whole,
/// then each leaf's count shared among its stacks in proportion ([`stack_counts`] and
/// [`StackTable::counts`](super::StackTable::counts), which find the leaves' stacks in two
/// ways).
pub(super) fn counts_by_leaf<L, M>(len: usize, leaves: L, amount: impl Fn(usize) -> f64) -> Vec<u64>
where
    L: Iterator<Item = M> + Clone,
    M: ExactSizeIterator<Item = usize> + Clone,
{
    let per_leaf: Vec<f64> = leaves
        .clone()
        .map(|members| members.map(&amount).sum())
        .collect();
    let leaf_counts = round_preserving_sum(&per_leaf);
    let mut counts = vec![0; len];
    let mut amounts: Vec<f64> = Vec::new();
    let mut scratch = Rounding::default();
    let mut shares = Vec::new();
    for (mut members, leaf_count) in leaves.zip(leaf_counts) {
        if members.len() == 1
            && let Some(i) = members.next()
        {
            counts[i] = share_count_of_one(leaf_count, amount(i));
            continue;
        }
        amounts.clear();
        amounts.extend(members.clone().map(&amount));
        share_count_into(leaf_count, &amounts, &mut shares, &mut scratch);
        for (i, &count) in members.zip(&shares) {
            counts[i] = count;
        }
    }
    counts
}

/// The sampled stacks of a profile with real stacks, threads merged, each with its integer
/// count: the samples themselves when the profile's times are sample counts, otherwise their
/// time in `unit`, rounded so that the counts add up to the rounded total. In order of first
/// appearance; `None` for a profile without stacks.
pub fn sampled_counts(profile: &Profile, unit: TimeUnit) -> Option<Vec<(StackId, u64)>> {
    let stacks = profile.stacks()?;
    let mut at: Vec<u32> = vec![u32::MAX; stacks.stack_count()];
    let mut merged: Vec<(StackId, u64, f64)> = Vec::new();
    for sample in stacks.samples() {
        let slot = &mut at[sample.stack.index()];
        if *slot == u32::MAX {
            *slot = merged.len() as u32;
            merged.push((sample.stack, 0, 0.0));
        }
        let entry = &mut merged[*slot as usize];
        entry.1 = entry.1.saturating_add(sample.count);
        entry.2 += sample.time;
    }
    let counts = sample_weights(profile, unit, merged.iter().map(|m| (m.1, m.2)));
    Some(merged.iter().map(|m| m.0).zip(counts).collect())
}

/// Integer weights for samples given as (count, time): their counts when the profile's times
/// are sample counts, else their times in `unit`, rounded so that they add up to the rounded
/// total.
pub(crate) fn sample_weights(
    profile: &Profile,
    unit: TimeUnit,
    samples: impl Iterator<Item = (u64, f64)>,
) -> Vec<u64> {
    match profile.measure() {
        Measure::Samples { timed: true } => {
            let amounts: Vec<f64> = samples.map(|(_, time)| unit.from_seconds(time)).collect();
            round_preserving_sum(&amounts)
        }
        _ => samples.map(|(count, _)| count).collect(),
    }
}

/// [`share_count`] of one amount, without its allocations: all of `count`, unless the amount is
/// zero or negative.
fn share_count_of_one(count: u64, amount: f64) -> u64 {
    if amount <= 0.0 { 0 } else { count }
}

/// Splits the integer `count` among `amounts` in proportion, by largest remainders.
#[cfg(test)]
fn share_count(count: u64, amounts: &[f64]) -> Vec<u64> {
    let mut shares = Vec::new();
    share_count_into(count, amounts, &mut shares, &mut Rounding::default());
    shares
}

/// [`share_count`] into `shares`, with scratch space reused from call to call (stack counts
/// share among the stacks of each of 100,000s of functions: allocations would dominate).
fn share_count_into(count: u64, amounts: &[f64], shares: &mut Vec<u64>, scratch: &mut Rounding) {
    let total: f64 = amounts.iter().sum();
    shares.clear();
    if total <= 0.0 {
        shares.resize(amounts.len(), 0);
        return;
    }
    let mut scaled = std::mem::take(&mut scratch.scaled);
    scaled.clear();
    scaled.extend(amounts.iter().map(|a| a / total * count as f64));
    round_preserving_sum_into(&scaled, shares, scratch);
    // The scaled amounts add up to `count` up to float error; settle the last unit.
    let sum = saturating_sum(shares);
    if let Some(largest) = (0..shares.len()).max_by(|&a, &b| scaled[a].total_cmp(&scaled[b])) {
        shares[largest] = shares[largest].saturating_add(count).saturating_sub(sum);
    }
    scratch.scaled = scaled;
}

/// The sum of `counts`, saturating at `u64::MAX`.
pub(crate) fn saturating_sum(counts: &[u64]) -> u64 {
    counts.iter().fold(0, |sum, &c| sum.saturating_add(c))
}

/// Scratch space for [`round_preserving_sum_into`] and the sharing built on it.
#[derive(Debug, Default)]
pub(crate) struct Rounding {
    /// Amounts scaled to a count.
    pub(crate) scaled: Vec<f64>,
    /// Remainders with their indices, ordered by remainder.
    by_remainder: Vec<(f64, usize)>,
}

/// `amount - amount.floor()`, without a call to libm's floor for the amounts that counts
/// have (non-negative, below 2^52, where truncation is the floor and exact).
fn remainder(amount: f64) -> f64 {
    if amount == 0.0 {
        // What the floor gives for both zeros (a zero remainder, positive).
        0.0
    } else if amount > 0.0 && amount < 4_503_599_627_370_496.0 {
        amount - (amount as u64) as f64
    } else {
        amount - amount.floor()
    }
}

/// Rounds each amount to an integer so that the integers add up to the rounded sum of the
/// amounts (largest remainders get the leftover units; ties go to the earlier amount).
pub(crate) fn round_preserving_sum(amounts: &[f64]) -> Vec<u64> {
    let mut counts = Vec::with_capacity(amounts.len());
    round_preserving_sum_into(amounts, &mut counts, &mut Rounding::default());
    counts
}

/// [`round_preserving_sum`] into `counts`, with reused scratch space.
pub(crate) fn round_preserving_sum_into(
    amounts: &[f64],
    counts: &mut Vec<u64>,
    scratch: &mut Rounding,
) {
    let total: f64 = amounts.iter().sum();
    counts.clear();
    // `as` truncates, which is the floor of a non-negative amount (NaN becomes 0 either way),
    // without a call to libm's floor per amount.
    counts.extend(amounts.iter().map(|a| a.max(0.0) as u64));
    // Saturating, as every integer cost (query::units::integer_cost): counts of u64::MAX
    // would overflow a plain sum.
    let assigned = saturating_sum(counts);
    let wanted = total.max(0.0).round() as u64;
    let leftover = wanted.saturating_sub(assigned);
    if leftover > 0 {
        // The `leftover` first amounts by decreasing remainder, then index: a total order, so
        // selecting them gives the same amounts as sorting all.
        let by_remainder = &mut scratch.by_remainder;
        by_remainder.clear();
        by_remainder.extend(amounts.iter().enumerate().map(|(i, &a)| (remainder(a), i)));
        let order = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let take = usize::try_from(leftover).map_or(amounts.len(), |n| n.min(amounts.len()));
        if take > 0 && take < by_remainder.len() {
            by_remainder.select_nth_unstable_by(take - 1, order);
        }
        for &(_, i) in &by_remainder[..take] {
            counts[i] = counts[i].saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::stacks::{StackOptions, StackTable};

    #[test]
    fn sharing_keeps_the_count() {
        for amount in [0.0, -0.0, -1.0, 1e-300, 0.25, 3.0, f64::INFINITY, f64::NAN] {
            assert_eq!(
                share_count(12_345, &[amount]),
                [share_count_of_one(12_345, amount)],
                "{amount}"
            );
        }
        assert_eq!(share_count(3, &[0.3, 0.3, 0.3]), [1, 1, 1]);
        assert_eq!(share_count(1, &[0.3, 0.3, 0.3]), [1, 0, 0]);
        assert_eq!(share_count(5, &[0.0, 0.0]), [0, 0]);
        assert_eq!(share_count(7, &[1.0, 2.0, 4.0]).iter().sum::<u64>(), 7);
    }

    #[test]
    fn the_table_counts_as_stack_counts_does() {
        let mut checked = 0;
        for entry in std::fs::read_dir("tests/fixtures/stats/py313").expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "stats") {
                continue;
            }
            let p = crate::read_path(&path, &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .expect("fixture reads");
            let table = StackTable::estimate(&p, &StackOptions::default());
            let vectors = table.clone().into_stacks();
            assert_eq!(table.len(), vectors.len());
            for unit in [TimeUnit::Ns, TimeUnit::Us, TimeUnit::Ms] {
                assert_eq!(table.counts(unit), stack_counts(&vectors, unit), "{path:?}");
            }
            // The leaves' ranges cover every stack in order, each stack ending with its leaf.
            let mut next = 0;
            for (leaf, members) in table.leaves() {
                assert_eq!(members.start, next);
                assert!(!members.is_empty());
                for i in members.clone() {
                    assert_eq!(table.frames(i).last(), Some(&Frame::Function(leaf)));
                    assert_eq!(table.frames(i), vectors[i].frames);
                    assert_eq!(table.seconds(i), vectors[i].seconds);
                }
                next = members.end;
            }
            assert_eq!(next, table.len());
            checked += table.len();
        }
        assert!(checked > 100, "{checked} stacks");
    }

    #[test]
    fn remainders_are_the_floors() {
        for amount in [
            0.0,
            -0.0,
            0.25,
            1.0,
            7.75,
            -2.5,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ] {
            let expected = amount - amount.floor();
            assert_eq!(remainder(amount).to_bits(), expected.to_bits(), "{amount}");
        }
    }

    #[test]
    fn rounding_keeps_the_sum() {
        assert_eq!(round_preserving_sum(&[0.4, 0.4, 0.4]), [1, 0, 0]);
        assert_eq!(round_preserving_sum(&[1.5, 2.5]), [2, 2]);
        assert_eq!(round_preserving_sum(&[0.2, 0.7, 3.0]), [0, 1, 3]);
        let many: Vec<f64> = (0..1000).map(|i| 0.001 * f64::from(i % 7)).collect();
        let total: f64 = many.iter().sum();
        assert_eq!(
            round_preserving_sum(&many).iter().sum::<u64>(),
            total.round() as u64
        );
    }
}
