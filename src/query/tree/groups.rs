//! The recursion groups of a profile (strongly connected components of its call graph), as
//! [`Profile::recursion_groups`] finds them, numbered alike, by an iterative Tarjan over the
//! profile's caller lists: the tree needs only each function's group, and this walk takes a
//! fraction of the time of the general graph algorithm on a large profile.

use crate::model::{FunctionId, Profile};

/// Which recursion group each function (any function id of the profile, by index) is in, and
/// how many groups there are.
pub(super) struct RecursionGroups {
    group_of: Vec<u32>,
    count: usize,
}

impl RecursionGroups {
    /// Tarjan's algorithm on the graph of each function to its callers (which has the call
    /// graph's components), from every function in id order, callers in the profile's order:
    /// groups are numbered in the order their walks finish.
    pub(super) fn new(profile: &Profile) -> RecursionGroups {
        const UNSEEN: u32 = u32::MAX;
        let n = profile.all_functions().len();
        let mut order = vec![UNSEEN; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut group_of = vec![0u32; n];
        let mut stack: Vec<u32> = Vec::new();
        // The walk: each function being visited with the position of its next caller.
        let mut visiting: Vec<(u32, usize)> = Vec::new();
        let mut seen = 0u32;
        let mut count = 0usize;
        for start in 0..n as u32 {
            if order[start as usize] != UNSEEN {
                continue;
            }
            let mut entering = Some(start);
            loop {
                if let Some(v) = entering.take() {
                    order[v as usize] = seen;
                    low[v as usize] = seen;
                    seen += 1;
                    on_stack[v as usize] = true;
                    stack.push(v);
                    visiting.push((v, 0));
                }
                let Some(&mut (v, ref mut next)) = visiting.last_mut() else {
                    break;
                };
                if let Some((w, _)) = profile.callers(FunctionId(v)).nth(*next) {
                    *next += 1;
                    let w = w.0;
                    if order[w as usize] == UNSEEN {
                        entering = Some(w);
                    } else if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(order[w as usize]);
                    }
                    continue;
                }
                visiting.pop();
                if let Some(&(u, _)) = visiting.last() {
                    low[u as usize] = low[u as usize].min(low[v as usize]);
                }
                if low[v as usize] == order[v as usize] {
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        group_of[w as usize] = count as u32;
                        if w == v {
                            break;
                        }
                    }
                    count += 1;
                }
            }
        }
        RecursionGroups { group_of, count }
    }

    /// The group of function `id`, a number below [`RecursionGroups::len`].
    pub(super) fn group(&self, id: FunctionId) -> usize {
        self.group_of[id.index()] as usize
    }

    /// How many groups there are.
    pub(super) fn len(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same groups, numbered alike, as the model's on every fixture.
    #[test]
    fn groups_are_the_models() {
        let mut checked = 0;
        for dir in std::fs::read_dir("tests/fixtures/stats").expect("fixtures") {
            for file in std::fs::read_dir(dir.expect("entry").path()).expect("fixture dir") {
                let path = file.expect("entry").path();
                if path.extension().is_none_or(|e| e != "stats") {
                    continue;
                }
                let profile = crate::read_path(&path).expect("fixture reads");
                let ours = RecursionGroups::new(&profile);
                let model = profile.recursion_groups();
                assert_eq!(ours.len(), model.len(), "{}", path.display());
                for id in profile.all_functions() {
                    assert_eq!(
                        ours.group(id),
                        model.group(id).index(),
                        "{}",
                        path.display()
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 50, "{checked} fixtures");
    }
}
