//! The filters on small hand-built profiles, with the expected result written out; the same
//! examples as docs/filters.md.

use super::*;
use crate::model::testing::{fs, timed};
use crate::model::{Builder, CallStats, Merge, SampleBuilder};

/// The call graph of docs/filters.md: main calls a and b, both call c, b calls d.
///
/// ```text
/// function  tottime cumtime   edges (caller → callee: tottime cumtime)
/// main      1       9
/// a         2       5         main → a: 2 5
/// b         1       3         main → b: 1 3
/// c         4       4         a → c: 3 3, b → c: 1 1
/// d         1       1         b → d: 1 1
/// ```
fn graph() -> Profile {
    graph_with(|calls, tt, ct| timed(calls, calls, tt, ct))
}

fn graph_with(edge: impl Fn(i64, f64, f64) -> CallStats) -> Profile {
    let mut b = Builder::default();
    let [main, a, bb, c, d] = ["main", "a", "b", "c", "d"].map(|n| b.key("m.py", 1, n));
    let none = || std::iter::empty();
    b.add_entry(main, fs(1, 1, 1.0, 9.0), none(), Merge::Replace);
    b.add_entry(
        a,
        fs(1, 1, 2.0, 5.0),
        [(main, edge(1, 2.0, 5.0))].into_iter(),
        Merge::Replace,
    );
    b.add_entry(
        bb,
        fs(1, 1, 1.0, 3.0),
        [(main, edge(1, 1.0, 3.0))].into_iter(),
        Merge::Replace,
    );
    b.add_entry(
        c,
        fs(4, 4, 4.0, 4.0),
        [(a, edge(3, 3.0, 3.0)), (bb, edge(1, 1.0, 1.0))].into_iter(),
        Merge::Replace,
    );
    b.add_entry(
        d,
        fs(1, 1, 1.0, 1.0),
        [(bb, edge(1, 1.0, 1.0))].into_iter(),
        Merge::Replace,
    );
    b.finish()
}

fn pattern(text: &str) -> Vec<Pattern> {
    vec![Pattern::new(text).expect("a valid pattern")]
}

fn filtered(profile: &Profile, change: impl FnOnce(&mut Filter)) -> Profile {
    let mut filter = Filter::default();
    change(&mut filter);
    profile.filter(&filter).expect("a valid filter").profile
}

/// (name, tottime, cumtime) of each listed function, in order.
fn functions(p: &Profile) -> Vec<(&str, f64, f64)> {
    p.functions()
        .map(|id| (p.name(id), p.stats(id).tottime, p.stats(id).cumtime))
        .collect()
}

/// Every edge as "caller>callee", in edge order.
fn edges(p: &Profile) -> Vec<String> {
    p.functions()
        .flat_map(|id| {
            p.callers(id)
                .map(move |(c, _)| format!("{}>{}", p.name(c), p.name(id)))
        })
        .collect()
}

#[test]
fn graph_focus_keeps_paths_through_the_match_with_file_figures() {
    let p = filtered(&graph(), |f| f.focus = pattern(r"\(a\)"));
    assert_eq!(
        functions(&p),
        [("main", 1.0, 9.0), ("a", 2.0, 5.0), ("c", 4.0, 4.0)]
    );
    assert_eq!(edges(&p), ["main>a", "a>c"]);
    assert_eq!(p.totals().tottime, 7.0);
}

#[test]
fn graph_focus_on_a_shared_callee_keeps_all_its_callers() {
    let p = filtered(&graph(), |f| f.focus = pattern(r"\(c\)"));
    let names: Vec<_> = functions(&p).iter().map(|f| f.0).collect();
    assert_eq!(names, ["main", "a", "b", "c"]);
    assert_eq!(edges(&p), ["main>a", "main>b", "a>c", "b>c"]);
}

#[test]
fn graph_ignore_drops_what_only_the_match_reaches() {
    let p = filtered(&graph(), |f| f.ignore = pattern(r"\(b\)"));
    assert_eq!(
        functions(&p),
        [("main", 1.0, 9.0), ("a", 2.0, 5.0), ("c", 4.0, 4.0)]
    );
    assert_eq!(edges(&p), ["main>a", "a>c"]);
    assert_eq!(p.totals().tottime, 7.0);
}

#[test]
fn graph_hide_charges_time_to_callers_by_edge_time() {
    let p = filtered(&graph(), |f| f.hide = pattern(r"\(c\)"));
    assert_eq!(
        functions(&p),
        [
            ("main", 1.0, 9.0),
            ("a", 5.0, 5.0),
            ("b", 2.0, 3.0),
            ("d", 1.0, 1.0)
        ]
    );
    assert_eq!(edges(&p), ["main>a", "main>b", "b>d"]);
    assert_eq!(p.totals(), graph().totals());
}

#[test]
fn graph_hide_passes_time_through_hidden_callers() {
    let p = filtered(&graph(), |f| f.hide = pattern(r"\((a|c)\)"));
    assert_eq!(
        functions(&p),
        [("main", 6.0, 9.0), ("b", 2.0, 3.0), ("d", 1.0, 1.0)]
    );
    assert_eq!(p.totals().tottime, 9.0);
}

#[test]
fn graph_hide_without_edge_times_splits_by_calls() {
    let p = graph_with(|calls, _, _| CallStats::Count(calls));
    let p = filtered(&p, |f| f.hide = pattern(r"\(c\)"));
    let tottime: Vec<f64> = functions(&p).iter().map(|f| f.1).collect();
    assert_eq!(tottime, [1.0, 5.0, 2.0, 1.0]);
}

#[test]
fn graph_hide_of_a_recursion_cycle_charges_its_callers() {
    // main → x ⇄ y: the cycle's 3 seconds go to main.
    let mut b = Builder::default();
    let [main, x, y] = ["main", "x", "y"].map(|n| b.key("m.py", 1, n));
    b.add_entry(main, fs(1, 1, 1.0, 4.0), std::iter::empty(), Merge::Replace);
    b.add_entry(
        x,
        fs(1, 2, 2.0, 3.0),
        [(main, timed(1, 1, 1.5, 3.0)), (y, timed(1, 0, 0.5, 1.0))].into_iter(),
        Merge::Replace,
    );
    b.add_entry(
        y,
        fs(1, 1, 1.0, 1.5),
        [(x, timed(1, 1, 1.0, 1.5))].into_iter(),
        Merge::Replace,
    );
    let p = filtered(&b.finish(), |f| f.hide = pattern(r"\([xy]\)"));
    assert_eq!(functions(&p), [("main", 4.0, 4.0)]);
}

#[test]
fn graph_root_leaf_and_depth_cut_the_graph() {
    let p = filtered(&graph(), |f| f.root = pattern(r"\(b\)"));
    assert_eq!(
        functions(&p),
        [("b", 1.0, 3.0), ("c", 4.0, 4.0), ("d", 1.0, 1.0)]
    );
    assert_eq!(edges(&p), ["b>c", "b>d"]);
    let p = filtered(&graph(), |f| f.leaf = pattern(r"\(c\)"));
    assert_eq!(edges(&p), ["main>a", "main>b", "a>c", "b>c"]);
    let p = filtered(&graph(), |f| f.depth = Some(1));
    assert_eq!(edges(&p), ["main>a", "main>b"]);
    let p = filtered(&graph(), |f| f.depth = Some(0));
    assert_eq!(functions(&p), [("main", 1.0, 9.0)]);
    let p = filtered(&graph(), |f| {
        f.root = pattern(r"\(b\)");
        f.depth = Some(0);
    });
    assert_eq!(functions(&p), [("b", 1.0, 3.0)]);
}

#[test]
fn graph_fractions_hide_small_functions_and_drop_small_edges() {
    // 0.2 of 9 seconds is 1.8: d (1) is hidden and its time goes to b.
    let p = filtered(&graph(), |f| f.node_fraction = Some(0.2));
    assert_eq!(
        functions(&p),
        [
            ("main", 1.0, 9.0),
            ("a", 2.0, 5.0),
            ("b", 2.0, 3.0),
            ("c", 4.0, 4.0)
        ]
    );
    assert_eq!(p.totals(), graph().totals());
    let p = filtered(&graph(), |f| f.edge_fraction = Some(0.2));
    assert_eq!(p.function_count(), 5);
    assert_eq!(edges(&p), ["main>a", "main>b", "a>c"]);
}

#[test]
fn empty_filter_changes_nothing_and_bad_fractions_are_errors() {
    let p = graph();
    let out = p.filter(&Filter::default()).expect("valid");
    assert!(!out.reduction.changed());
    assert_eq!(functions(&out.profile), functions(&p));
    for bad in [-0.1, 1.5, f64::NAN] {
        let filter = Filter {
            edge_fraction: Some(bad),
            ..Filter::default()
        };
        let error = p.filter(&filter).expect_err("refused");
        assert!(
            error.to_string().contains("a fraction from 0 to 1"),
            "{error}"
        );
    }
}

#[test]
fn reduction_says_what_was_cut_in_one_line() {
    let filter = Filter {
        focus: pattern(r"\(a\)"),
        hide: pattern("it's"),
        ..Filter::default()
    };
    let out = graph().filter(&filter).expect("valid");
    assert_eq!(
        out.reduction.to_string(),
        "Filtered by <--focus '\\\\(a\\\\)' --hide \"it's\">: kept 3 of 5 functions, \
         2 of 5 edges, 7.000 of 9.000 seconds"
    );
    assert!(out.reduction.changed());
}

/// The stacks of docs/filters.md, root first, with their sample counts.
fn sampled() -> Profile {
    let stacks: [(&[&str], u64); 5] = [
        (&["main", "a", "c"], 3),
        (&["main", "a"], 2),
        (&["main", "b", "c"], 1),
        (&["main", "b", "d"], 1),
        (&["main"], 1),
    ];
    let mut b = SampleBuilder::new(false);
    for (frames, count) in stacks {
        let mut node = None;
        for name in frames {
            let key = b.key("m.py", 1, name);
            node = Some(b.push(node, key));
        }
        b.add(node, None, count, count as f64);
    }
    b.finish(false, Vec::new())
}

/// (name, samples as the leaf, samples on the stack) of each function, sorted by name.
fn samples(p: &Profile) -> Vec<(&str, i64, i64)> {
    let mut out: Vec<_> = p
        .functions()
        .map(|id| (p.name(id), p.stats(id).primitive_calls, p.stats(id).calls))
        .collect();
    out.sort();
    out
}

#[test]
fn stacks_focus_and_ignore_keep_or_drop_whole_samples() {
    let p = filtered(&sampled(), |f| f.focus = pattern(r"\(a\)"));
    assert_eq!(samples(&p), [("a", 2, 5), ("c", 3, 3), ("main", 0, 5)]);
    let p = filtered(&sampled(), |f| f.ignore = pattern(r"\(b\)"));
    assert_eq!(samples(&p), [("a", 2, 5), ("c", 3, 3), ("main", 1, 6)]);
    assert_eq!(p.totals().tottime, 6.0);
}

#[test]
fn stacks_hide_removes_frames_and_keeps_the_total() {
    let p = filtered(&sampled(), |f| f.hide = pattern(r"\(a\)"));
    assert_eq!(
        samples(&p),
        [("b", 0, 2), ("c", 4, 4), ("d", 1, 1), ("main", 3, 8)]
    );
    let mut e = edges(&p);
    e.sort();
    assert_eq!(e, ["b>c", "b>d", "main>b", "main>c"]);
    assert_eq!(p.totals().tottime, 8.0);
    assert!(p.stacks().is_some());
}

#[test]
fn stacks_root_leaf_and_depth_cut_stacks() {
    let p = filtered(&sampled(), |f| f.root = pattern(r"\(b\)"));
    assert_eq!(samples(&p), [("b", 0, 2), ("c", 1, 1), ("d", 1, 1)]);
    let p = filtered(&sampled(), |f| f.leaf = pattern(r"\(a\)"));
    assert_eq!(samples(&p), [("a", 5, 5), ("main", 0, 5)]);
    let p = filtered(&sampled(), |f| f.depth = Some(1));
    assert_eq!(samples(&p), [("a", 5, 5), ("b", 2, 2), ("main", 1, 8)]);
}

#[test]
fn stacks_fractions_hide_small_functions_and_cut_small_edges() {
    // 0.2 of 8 samples is 1.6: d (1) is hidden; then b → c and b → d (1 each) are cut.
    let p = filtered(&sampled(), |f| f.node_fraction = Some(0.2));
    assert_eq!(
        samples(&p),
        [("a", 2, 5), ("b", 1, 2), ("c", 4, 4), ("main", 1, 8)]
    );
    let p = filtered(&sampled(), |f| f.edge_fraction = Some(0.2));
    assert_eq!(
        samples(&p),
        [("a", 2, 5), ("b", 2, 2), ("c", 3, 3), ("main", 1, 8)]
    );
    let out = sampled().filter(&Filter {
        edge_fraction: Some(0.2),
        ..Filter::default()
    });
    let reduction = out.expect("valid").reduction;
    assert_eq!(
        reduction.to_string(),
        "Filtered by <--edge-fraction 0.2>: kept 4 of 5 functions, 3 of 5 edges, 8 of 8 samples"
    );
}
