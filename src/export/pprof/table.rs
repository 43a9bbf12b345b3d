//! The string table and the function table of a pprof profile.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use super::OTHER_CALLERS;
use crate::Profile;
use crate::model::FunctionId;

/// The string table: index 0 is the empty string, as profile.proto requires. The strings are
/// kept in one buffer, and each remembers whether a function took it as its label.
pub(super) struct Strings {
    /// Every string, one after another…
    text: String,
    /// …and where each ends.
    ends: Vec<usize>,
    /// Per string: 0 if no function's label, else the last number `n` tried for a label that
    /// collided with it (1 before any collision; see [`Strings::label`]).
    label_seen: Vec<u32>,
    /// The same for [`OTHER_CALLERS`], taken from the start but written last.
    other_callers_seen: u32,
    /// Indices of strings, by the hash of their text.
    index: HashTable<usize>,
    hasher: DefaultHashBuilder,
}

impl Strings {
    #[cfg(test)]
    pub(super) fn new() -> Strings {
        Strings::with_capacity(0, 0)
    }

    /// A table with room for `count` strings of `bytes` bytes in all: a table that grows
    /// hashes every string again each time it doubles.
    pub(super) fn with_capacity(count: usize, bytes: usize) -> Strings {
        let mut strings = Strings {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
            label_seen: Vec::with_capacity(count),
            other_callers_seen: 1,
            index: HashTable::with_capacity(count),
            hasher: DefaultHashBuilder::default(),
        };
        strings.get("");
        strings
    }

    /// The string at `at`.
    fn at(&self, at: usize) -> &str {
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        &self.text[start..self.ends[at]]
    }

    /// Every string, in index order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|at| self.at(at))
    }

    fn find(&self, text: &str, hash: u64) -> Option<usize> {
        self.index.find(hash, |&at| self.at(at) == text).copied()
    }

    /// The index of `text`, added at the end if new.
    pub(super) fn get(&mut self, text: &str) -> i64 {
        let hash = self.hasher.hash_one(text);
        self.get_hashed(text, hash) as i64
    }

    fn get_hashed(&mut self, text: &str, hash: u64) -> usize {
        if let Some(at) = self.find(text, hash) {
            return at;
        }
        let at = self.ends.len();
        self.text.push_str(text);
        self.ends.push(self.text.len());
        self.label_seen.push(0);
        let Strings {
            text,
            ends,
            index,
            hasher,
            ..
        } = self;
        index.insert_unique(hash, at, |&at| {
            let start = if at == 0 { 0 } else { ends[at - 1] };
            hasher.hash_one(&text[start..ends[at]])
        });
        at
    }

    /// Whether `text` is some function's label (or [`OTHER_CALLERS`]): 0 if not, else its
    /// number of collisions so far, plus one.
    fn seen(&self, text: &str) -> u32 {
        if text == OTHER_CALLERS {
            return self.other_callers_seen;
        }
        self.find(text, self.hasher.hash_one(text))
            .map_or(0, |at| self.label_seen[at])
    }

    /// The index of `label` as a function's label, made to differ first from every label
    /// taken so far (only crafted names collide: a name that contains ` (file:line)`, or a
    /// builtin named `[other callers]`) by appending ` #2`, ` #3`, …
    pub(super) fn label(&mut self, label: &mut String) -> i64 {
        let hash = self.hasher.hash_one(label.as_str());
        let seen = if label == OTHER_CALLERS {
            self.other_callers_seen
        } else {
            match self.find(label, hash) {
                Some(at) if self.label_seen[at] == 0 => {
                    self.label_seen[at] = 1;
                    return at as i64;
                }
                Some(at) => self.label_seen[at],
                None => {
                    let at = self.get_hashed(label, hash);
                    self.label_seen[at] = 1;
                    return at as i64;
                }
            }
        };
        let base = label.clone();
        let mut n = seen;
        loop {
            n += 1;
            label.clear();
            label.push_str(&base);
            label.push_str(" #");
            label.push_str(itoa::Buffer::new().format(n));
            if self.seen(label) == 0 {
                break;
            }
        }
        if base == OTHER_CALLERS {
            self.other_callers_seen = n;
        } else if let Some(at) = self.find(&base, self.hasher.hash_one(base.as_str())) {
            self.label_seen[at] = n;
        }
        let at = self.get(label);
        self.label_seen[at as usize] = 1;
        at
    }
}

/// One pprof function: string table indices and its first line.
pub(super) struct Function {
    pub(super) name: i64,
    pub(super) system_name: i64,
    pub(super) filename: i64,
    pub(super) start_line: i64,
}

/// The pprof functions and which one each function of the profile belongs to.
pub(super) struct FunctionTable {
    pub(super) functions: Vec<Function>,
    /// Per function of the profile (by index): its pprof function's index.
    pub(super) of_function: Vec<u32>,
    /// The location of [`Frame::OtherCallers`](crate::query::stacks::Frame::OtherCallers).
    pub(super) other_location: u64,
}

impl FunctionTable {
    /// One pprof function per function of the profile; for a sampled profile, whose keys hold
    /// the line sampled rather than the `def` line, one per (file, name), its keys becoming
    /// locations at their lines.
    pub(super) fn new(profile: &Profile, sampled: bool, strings: &mut Strings) -> FunctionTable {
        let count = profile.all_functions().len();
        let mut functions = Vec::with_capacity(count);
        let mut of_function = Vec::with_capacity(count);
        let mut groups: HashMap<(usize, usize), u32> = HashMap::new();
        // The string index of each of the profile's names and files, once looked up.
        let mut by_string_id = vec![None; profile.string_count()];
        let mut interned = |strings: &mut Strings, id: crate::model::StringId| {
            *by_string_id[id.index()].get_or_insert_with(|| strings.get(profile.string(id)))
        };
        let mut label = String::new();
        for id in profile.all_functions() {
            if sampled
                && let Some(&at) =
                    groups.get(&(profile.file_id(id).index(), profile.name_id(id).index()))
            {
                of_function.push(at);
                continue;
            }
            let at = functions.len() as u32;
            if sampled {
                groups.insert(
                    (profile.file_id(id).index(), profile.name_id(id).index()),
                    at,
                );
            }
            let builtin = is_builtin(profile, id);
            let name = profile.name(id);
            label.clear();
            label.push_str(name);
            if !builtin {
                label.push_str(" (");
                label.push_str(profile.file(id));
                if !sampled {
                    label.push(':');
                    label.push_str(itoa::Buffer::new().format(profile.line(id)));
                }
                label.push(')');
            }
            let label_at = strings.label(&mut label);
            // pprof takes a name equal to its system name for a mangled C++ one and
            // "simplifies" it (drops `<…>` and `(…)`, so `<lambda>` would vanish): a name
            // that is its own label has no system name.
            let system_name = if label == name {
                0
            } else {
                interned(strings, profile.name_id(id))
            };
            let filename = if builtin {
                0
            } else {
                interned(strings, profile.file_id(id))
            };
            functions.push(Function {
                name: label_at,
                system_name,
                filename,
                start_line: if sampled { 0 } else { profile.line(id) },
            });
            of_function.push(at);
        }
        FunctionTable {
            functions,
            of_function,
            other_location: count as u64 + 1,
        }
    }
}

/// pstats' shape for a function with no source: file `~`, line 0 (builtins, frames with no
/// location); it is named by its name alone.
fn is_builtin(profile: &Profile, id: FunctionId) -> bool {
    profile.file(id) == "~" && profile.line(id) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_labels_are_numbered() {
        let mut strings = Strings::new();
        let mut label = |text: &str| {
            let mut label = text.to_string();
            let at = strings.label(&mut label);
            assert_eq!(strings.at(at as usize), label);
            label
        };
        assert_eq!(label("f (a.py:1)"), "f (a.py:1)");
        assert_eq!(label("f (a.py:1)"), "f (a.py:1) #2");
        assert_eq!(label("f (a.py:1) #3"), "f (a.py:1) #3");
        assert_eq!(label("f (a.py:1)"), "f (a.py:1) #4");
        assert_eq!(label(OTHER_CALLERS), "[other callers] #2");
        assert_eq!(label(OTHER_CALLERS), "[other callers] #3");
    }

    #[test]
    fn a_string_that_is_no_label_is_not_taken() {
        let mut strings = Strings::new();
        let file = strings.get("a.py");
        let mut label = "a.py".to_string();
        assert_eq!(
            strings.label(&mut label),
            file,
            "the same string, now a label"
        );
        assert_eq!(label, "a.py");
        assert_eq!(strings.iter().collect::<Vec<_>>(), ["", "a.py"]);
    }
}
