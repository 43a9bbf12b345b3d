//! The estimate on two threads: the functions walked in two halves at once, giving the stacks
//! of one walk, in the same order.

use super::StackOptions;
use super::estimate::{Callers, StackTable, estimate_part};
use crate::model::Profile;

/// [`estimate_part`] of all listed functions, in two halves on two threads: the same stacks
/// in the same order as one walk with `budget` steps.
pub(super) fn in_halves(
    profile: &Profile,
    callers: &Callers,
    options: &StackOptions,
    cutoff: f64,
    budget: u64,
) -> StackTable {
    let listed = profile.function_count();
    let half = listed / 2;
    let ((mut first, used), (second, more)) = std::thread::scope(|scope| {
        let second =
            scope.spawn(|| estimate_part(profile, callers, options, cutoff, half..listed, budget));
        let first = estimate_part(profile, callers, options, cutoff, 0..half, budget);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    // One walk after the other would have left the second half only the steps the first did
    // not use: if together they took more, the second half is walked again with those.
    let second = if used.saturating_add(more) > budget {
        estimate_part(
            profile,
            callers,
            options,
            cutoff,
            half..listed,
            budget - used,
        )
        .0
    } else {
        second
    };
    first.append(second);
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::stacks::Frame;
    use crate::query::stacks::estimate::MAX_STEPS;
    use crate::query::stacks::tests::{Row, dump, profile, row};

    #[test]
    fn halves_walk_as_one_walk_does() {
        // A tangled graph (each function called from the two before it and, closing cycles,
        // from three after it), walked whole and in halves, with budgets that run out in the
        // first half, in the second, and not at all.
        let names: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
        let rows: Vec<Row<'_>> = (0..30)
            .map(|i| {
                let callers: Vec<(&str, f64)> = [i + 29, i + 28, i + 3]
                    .into_iter()
                    .filter(|&j| j % 30 != i && (j < 30 || i >= 2))
                    .map(|j| (names[j % 30].as_str(), 0.1 + (j % 7) as f64))
                    .collect();
                row(&names[i], 0.5 + (i % 5) as f64, &callers)
            })
            .collect();
        let p = profile(&dump(&rows));
        let options = StackOptions::default();
        let callers = Callers::new(&p);
        let whole =
            |budget| estimate_part(&p, &callers, &options, 0.01, 0..p.function_count(), budget);
        let (_, all_steps) = whole(MAX_STEPS);
        assert!(
            all_steps > 100,
            "the graph is too small to test budgets: {all_steps}"
        );
        for budget in [
            10,
            all_steps / 3,
            all_steps * 2 / 3,
            all_steps - 1,
            MAX_STEPS,
        ] {
            let expected = whole(budget).0;
            let halves = in_halves(&p, &callers, &options, 0.01, budget);
            let stacks = |t: &StackTable| -> Vec<(Vec<Frame>, f64)> {
                t.iter().map(|(f, s)| (f.to_vec(), s)).collect()
            };
            assert_eq!(stacks(&halves), stacks(&expected), "budget {budget}");
            assert_eq!(
                halves.leaves().collect::<Vec<_>>(),
                expected.leaves().collect::<Vec<_>>(),
                "budget {budget}"
            );
        }
    }
}
