//! pstats' `stdname` order of the listed functions, for the report's data block
//! (docs/html.md, "Data layout").

use hashbrown::HashMap;

use crate::model::Profile;

/// The listed functions' ids sorted as pstats' `stdname` sorts them: by the printed name
/// ([`Profile::display_name`]) in code point order (UTF-8's byte order), ties in file order.
/// `None` when the shortcut below does not apply, and the page sorts the names itself.
///
/// A printed name is a head and a rest: `file:` and `line(name)`, or a builtin's whole name
/// and nothing. When no head is a proper prefix of another, two names with different heads
/// compare as their heads do, so a function's place is decided by its head's rank and, within
/// one head, by its rest: most comparisons take two integers.
pub(super) fn stdname_order(profile: &Profile) -> Option<Vec<u32>> {
    let keys = profile.functions().map(|id| {
        let key = (profile.file(id), profile.line(id), profile.name(id));
        (key, Some(profile.file_id(id).index()))
    });
    order_of(keys, profile.string_count())
}

/// [`stdname_order`] of rows given by their keys (file, line, name): the diff page's.
pub(super) fn stdname_order_of_keys<'a>(
    keys: impl Iterator<Item = (&'a str, i64, &'a str)>,
) -> Option<Vec<u32>> {
    order_of(keys.map(|key| (key, None)), 0)
}

/// The order of the keys, each with its file's string id where it has one (below `files`),
/// which saves looking the file's head up by its text.
fn order_of<'a>(
    keys: impl Iterator<Item = ((&'a str, i64, &'a str), Option<usize>)>,
    files: usize,
) -> Option<Vec<u32>> {
    let mut heads: Vec<Vec<u8>> = Vec::new();
    let mut head_of_text: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut head_of_file: Vec<Option<u32>> = vec![None; files];
    let mut head_of_file_text: HashMap<&'a str, u32> = HashMap::new();
    let mut head = Vec::new();
    let mut rests: Vec<u8> = Vec::new();
    let mut rest_ends: Vec<u32> = Vec::new();
    let mut text = String::new();
    let mut intern = |text: &[u8], heads: &mut Vec<Vec<u8>>| {
        *head_of_text.entry(text.to_vec()).or_insert_with(|| {
            heads.push(text.to_vec());
            heads.len() as u32 - 1
        })
    };
    for ((file, line, name), file_id) in keys {
        if file == "~" && line == 0 {
            // A builtin's whole printed name is its head.
            text.clear();
            crate::model::write_std_name(file, line, name, &mut text);
            head.push(intern(text.as_bytes(), &mut heads));
        } else {
            let known = match file_id {
                Some(i) => head_of_file.get(i).copied().flatten(),
                None => head_of_file_text.get(file).copied(),
            };
            let at = match known {
                Some(at) => at,
                None => {
                    let at = intern(format!("{file}:").as_bytes(), &mut heads);
                    match file_id.and_then(|i| head_of_file.get_mut(i)) {
                        Some(slot) => *slot = Some(at),
                        None => {
                            head_of_file_text.insert(file, at);
                        }
                    }
                    at
                }
            };
            head.push(at);
            rests.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
            rests.push(b'(');
            rests.extend_from_slice(name.as_bytes());
            rests.push(b')');
        }
        rest_ends.push(u32::try_from(rests.len()).ok()?);
    }

    let mut by_text: Vec<u32> = (0..heads.len() as u32).collect();
    by_text.sort_unstable_by(|&a, &b| heads[a as usize].cmp(&heads[b as usize]));
    // Sorted, a head that is a prefix of another is a prefix of the one after it.
    if by_text
        .windows(2)
        .any(|pair| heads[pair[1] as usize].starts_with(&heads[pair[0] as usize]))
    {
        return None;
    }
    let mut rank = vec![0u32; heads.len()];
    for (place, &h) in by_text.iter().enumerate() {
        rank[h as usize] = place as u32;
    }

    let rest = |i: u32| {
        let i = i as usize;
        let start = if i == 0 { 0 } else { rest_ends[i - 1] as usize };
        &rests[start..rest_ends[i] as usize]
    };
    // By head, then by the rest's first eight bytes (zeros after a shorter rest sort it
    // first, as a prefix sorts), then by id: one integer each. Runs equal in the first two are
    // then put in order by the whole rest.
    let mut keyed: Vec<u128> = head
        .iter()
        .enumerate()
        .map(|(i, &h)| {
            let mut first = [0u8; 8];
            let text = rest(i as u32);
            let n = text.len().min(8);
            first[..n].copy_from_slice(&text[..n]);
            (u128::from(rank[h as usize]) << 96)
                | (u128::from(u64::from_be_bytes(first)) << 32)
                | i as u128
        })
        .collect();
    keyed.sort_unstable();
    let mut order: Vec<u32> = keyed.iter().map(|&k| k as u32).collect();
    let mut start = 0;
    while start < keyed.len() {
        let run = keyed[start..]
            .iter()
            .take_while(|&&k| k >> 32 == keyed[start] >> 32)
            .count();
        if run > 1 {
            order[start..start + run].sort_by(|&a, &b| rest(a).cmp(rest(b)));
        }
        start += run;
    }
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Builder, FunctionId, Merge};

    /// A profile listing these keys in order, each with no calls and no time.
    fn profile_of(keys: &[(&str, i64, &str)]) -> Profile {
        let mut b = Builder::default();
        for &(file, line, name) in keys {
            let key = b.key(file, line, name);
            let stats = crate::model::FunctionStats::default();
            b.add_entry(key, stats, std::iter::empty(), Merge::Replace);
        }
        b.finish()
    }

    /// The order by sorting every printed name, as pstats does.
    fn by_names(profile: &Profile) -> Vec<u32> {
        let mut order: Vec<u32> = (0..profile.function_count() as u32).collect();
        order.sort_by_key(|&i| profile.display_name(FunctionId(i)));
        order
    }

    #[test]
    fn heads_then_rests_give_the_names_order() {
        // Lines compare as text (10 before 9), names with their `)` (`g!)`, `g)`, `g_h)`),
        // rests alike in their first eight bytes, builtins among the files by their printed
        // names, a builtin `{x}` printed as another's, and one printed as a file's head, `c:`.
        let keys = [
            ("b.py", 9, "f"),
            ("b.py", 10, "f"),
            ("a.py", 3, "g_h"),
            ("a.py", 3, "g"),
            ("a.py", 3, "g!"),
            ("b.py", 123456789, "f"),
            ("b.py", 12345678, "f"),
            ("b.py", 12345678, "f\0"),
            ("~", 0, "<built-in method len>"),
            ("~", 0, "{built-in method len}"),
            ("~", 0, "<>"),
            ("a.pz", 1, "x"),
            ("~", 0, "zzz"),
            ("é.py", 1, "f"),
            ("~", 0, "c:"),
            ("c", 1, "f"),
        ];
        let profile = profile_of(&keys);
        assert_eq!(stdname_order(&profile), Some(by_names(&profile)));
        // The diff page's rows, given by their keys alone.
        assert_eq!(
            stdname_order_of_keys(keys.iter().copied()),
            Some(by_names(&profile))
        );
    }

    #[test]
    fn a_head_that_prefixes_another_is_left_to_the_page() {
        // `a:` prefixes `a:1(b):`, the head of a file named `a:1(b)`, and the builtin `c:1`.
        let profile = profile_of(&[("a", 1, "c"), ("a:1(b)", 2, "d"), ("b", 1, "e")]);
        assert_eq!(stdname_order(&profile), None);
        let keys = [("~", 0, "c:1"), ("c", 1, "c")];
        assert_eq!(stdname_order_of_keys(keys.iter().copied()), None);
        let profile = profile_of(&keys);
        assert_eq!(stdname_order(&profile), None);
    }
}
