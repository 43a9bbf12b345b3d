//! pprof's `profile.proto`, gzip-compressed, for `go tool pprof`, Pyroscope/Grafana and
//! speedscope (docs/pprof.md).
//!
//! * Sample types: `calls/count` and `wall/nanoseconds` for cProfile and `profile` data;
//!   `samples/count` (and `wall/nanoseconds` when the samples have times) for sampled profiles.
//! * Stacks: a sampled profile's own, per thread (a `thread` label); otherwise the stacks
//!   estimated from caller→callee edges ([`crate::query::stacks`], docs/stacks.md), with each
//!   function's calls shared among its stacks in proportion to their time. The profile's comment
//!   says which.
//! * Names: pprof groups by function name alone in its default views, so every function's name
//!   is unique: `name (file:line)` as pstat's flame graphs label frames, `name (file)` for a
//!   sampled profile (whose lines are sampled lines, kept on the locations), a builtin's name
//!   alone.

mod gzip;
mod proto;
mod table;

use std::io;
use std::thread::{self, Scope};

use flate2::Compression;

use crate::Profile;
use crate::model::{CallStats, FunctionId, Measure, Stacks};
use crate::query::stacks::{
    Frame, Rounding, StackOptions, StackTable, round_preserving_sum_into, sample_weights,
};
use crate::query::units::TimeUnit;
use crate::threads::Threads;
use proto::{Stream, field};
use table::{FunctionTable, Strings};

/// Options for pprof output.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// How stacks are reconstructed for a profile without stacks of its own. Default:
    /// [`StackOptions::default`].
    pub stacks: StackOptions,
    /// Whether the protobuf is gzip-compressed, as profile.proto asks of files on disk (pprof
    /// also reads it uncompressed). Default: `true`.
    pub gzip: bool,
    /// More lines for the profile's comment, after pstat's own. Default: none.
    pub comments: Vec<String>,
    /// Bytes of protobuf per deflate block: the blocks are compressed at the same time, each
    /// without the previous one's window (docs/pprof.md), so the output depends on this size
    /// but not on `threads`. Sizes below 64 KiB count as 64 KiB. Default: 1 MiB.
    pub gzip_block: usize,
    /// Threads that work besides the caller's: they compress the blocks, and (when more than
    /// one) estimate the stacks while the caller builds the function table. With
    /// [`Threads::Auto`], one per core; with [`Threads::Off`], the caller does everything.
    /// The output is the same whatever the number. Default: auto.
    pub threads: Threads,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stacks: StackOptions::default(),
            gzip: true,
            comments: Vec::new(),
            gzip_block: 1 << 20,
            threads: Threads::Auto,
        }
    }
}

impl Options {
    /// The threads to start: none with [`Threads::Off`], else [`Options::threads`]' count.
    fn threads(&self) -> usize {
        match self.threads {
            Threads::Off => 0,
            threads => threads.count(),
        }
    }
}

/// Writes `profile` as a pprof profile (see the [module documentation](self)).
pub fn write<W: io::Write>(profile: &Profile, options: &Options, writer: W) -> io::Result<()> {
    thread::scope(|scope| {
        if options.gzip {
            let encoder = gzip::ParallelGzip::new(
                scope,
                writer,
                Compression::fast(),
                options.gzip_block,
                options.threads(),
            )?;
            write_proto(profile, options, encoder, scope)?.finish()?;
            Ok(())
        } else {
            write_proto(profile, options, writer, scope).map(|_| ())
        }
    })
}

/// The comment line of a profile whose stacks were estimated.
const ESTIMATED: &str = "stacks estimated from call edges (each function's own time shared \
among its callers in proportion to the edges' time; docs/stacks.md); every function's own \
figures are exact, each stack's are a guess";

/// The comment line of a profile written with its own stacks.
const SAMPLED: &str = "stacks as sampled";

/// The name of the root that gathers callers too small to follow ([`Frame::OtherCallers`]).
const OTHER_CALLERS: &str = "[other callers]";

/// The id of the one mapping.
const MAPPING: u64 = 1;

/// The most frames of the one stack given to a function with calls but no own time.
const MAX_HEAVIEST_PATH: usize = 4096;

fn write_proto<'scope, W: io::Write>(
    profile: &'scope Profile,
    options: &'scope Options,
    writer: W,
    scope: &'scope Scope<'scope, '_>,
) -> io::Result<W> {
    let measure = profile.measure();
    let sampled = measure.is_sampled();
    let (count_type, timed) = match measure {
        Measure::Calls => ("calls", true),
        Measure::Samples { timed } => ("samples", timed),
    };
    // The estimate does not need the function table: with a thread to spare, both are made at
    // once.
    let estimate = if profile.stacks().is_some() {
        None
    } else if options.threads() > 1 {
        Some(Ok(
            scope.spawn(move || Estimate::new(profile, options, timed))
        ))
    } else {
        Some(Err(Estimate::new(profile, options, timed)))
    };
    let mut strings = string_table(profile);
    let table = FunctionTable::new(profile, sampled, &mut strings);
    let mut out = Stream::new(writer);

    let mut value_types = vec![(strings.get(count_type), strings.get("count"))];
    if timed {
        value_types.push((strings.get("wall"), strings.get("nanoseconds")));
    }
    for &(kind, unit) in &value_types {
        out.body.clear();
        proto::int(&mut out.body, field::VALUE_TYPE_TYPE, kind);
        proto::int(&mut out.body, field::VALUE_TYPE_UNIT, unit);
        out.message(field::PROFILE_SAMPLE_TYPE)?;
    }

    let default_type = value_types.last().map_or(0, |t| t.0);
    let tail = Tail {
        profile,
        options,
        table: &table,
        timed,
        default_type,
    };
    match (profile.stacks(), estimate) {
        (_, Some(estimate)) => {
            // What follows the samples does not depend on the estimate: it is encoded while
            // the estimate's thread is still at work, and copied after the samples.
            let mut after = Stream::new(Vec::new());
            tail.write(&mut strings, false, &mut after)?;
            let after = after.finish()?;
            let estimate = match estimate {
                Ok(thread) => thread
                    .join()
                    .map_err(|_| io::Error::other("the stack estimate's thread panicked"))?,
                Err(estimate) => estimate,
            };
            estimate.write(&table, timed, &mut out)?;
            out.raw(&after)?;
        }
        (Some(stacks), None) => {
            write_sampled(profile, stacks, timed, &mut strings, &mut out)?;
            tail.write(&mut strings, true, &mut out)?;
        }
        (None, None) => tail.write(&mut strings, false, &mut out)?,
    }
    out.finish()
}

/// An empty string table with room for what the profile's functions will put in it: a label
/// per function, and its names and files.
fn string_table(profile: &Profile) -> Strings {
    let count = profile.all_functions().len();
    let names = profile.string_count();
    let bytes: usize = (0..names)
        .map(|i| profile.string(crate::model::StringId(i as u32)).len())
        .sum();
    // A label is a name, a file and a line: the names once more, and a file and a line each.
    let label_bytes = bytes.saturating_add(count.saturating_mul(32));
    Strings::with_capacity(count + names + 16, bytes.saturating_add(label_bytes))
}

/// What a profile holds after its samples.
struct Tail<'a> {
    profile: &'a Profile,
    options: &'a Options,
    table: &'a FunctionTable,
    timed: bool,
    default_type: i64,
}

impl Tail<'_> {
    /// Writes the mapping, the locations, the functions, the string table (with the strings
    /// added here), the period and the comments; `exact` says whether the stacks were the
    /// profile's own.
    fn write<W: io::Write>(
        &self,
        strings: &mut Strings,
        exact: bool,
        out: &mut Stream<W>,
    ) -> io::Result<()> {
        let Tail {
            profile,
            options,
            table,
            timed,
            default_type,
        } = *self;
        let measure = profile.measure();
        let sampled = measure.is_sampled();
        // One mapping that says its locations are symbolized already: pprof then leaves them
        // alone (its symbolizer looks only at mappings without functions, files and lines).
        out.body.clear();
        proto::uint(&mut out.body, field::MAPPING_ID, MAPPING);
        for has in [
            field::MAPPING_HAS_FUNCTIONS,
            field::MAPPING_HAS_FILENAMES,
            field::MAPPING_HAS_LINE_NUMBERS,
        ] {
            proto::uint(&mut out.body, has, 1);
        }
        out.message(field::PROFILE_MAPPING)?;

        // One location per function of the profile (id = its index + 1), then [other callers].
        for id in profile.all_functions() {
            out.body.clear();
            proto::uint(&mut out.body, field::LOCATION_ID, location_id(id));
            proto::uint(&mut out.body, field::LOCATION_MAPPING_ID, MAPPING);
            out.scratch.clear();
            proto::uint(
                &mut out.scratch,
                field::LINE_FUNCTION_ID,
                table.of_function[id.index()] as u64 + 1,
            );
            proto::int(&mut out.scratch, field::LINE_LINE, profile.line(id));
            proto::bytes(&mut out.body, field::LOCATION_LINE, &out.scratch);
            out.message(field::PROFILE_LOCATION)?;
        }
        out.body.clear();
        proto::uint(&mut out.body, field::LOCATION_ID, table.other_location);
        proto::uint(&mut out.body, field::LOCATION_MAPPING_ID, MAPPING);
        out.scratch.clear();
        proto::uint(
            &mut out.scratch,
            field::LINE_FUNCTION_ID,
            table.functions.len() as u64 + 1,
        );
        proto::bytes(&mut out.body, field::LOCATION_LINE, &out.scratch);
        out.message(field::PROFILE_LOCATION)?;

        for (i, function) in table.functions.iter().enumerate() {
            out.body.clear();
            proto::uint(&mut out.body, field::FUNCTION_ID, i as u64 + 1);
            proto::int(&mut out.body, field::FUNCTION_NAME, function.name);
            proto::int(
                &mut out.body,
                field::FUNCTION_SYSTEM_NAME,
                function.system_name,
            );
            proto::int(&mut out.body, field::FUNCTION_FILENAME, function.filename);
            proto::int(
                &mut out.body,
                field::FUNCTION_START_LINE,
                function.start_line,
            );
            out.message(field::PROFILE_FUNCTION)?;
        }
        out.body.clear();
        proto::uint(
            &mut out.body,
            field::FUNCTION_ID,
            table.functions.len() as u64 + 1,
        );
        proto::int(
            &mut out.body,
            field::FUNCTION_NAME,
            strings.get(OTHER_CALLERS),
        );
        out.message(field::PROFILE_FUNCTION)?;

        let mut comments = vec![
            strings.get(&format!(
                "pstat {}: {}",
                env!("CARGO_PKG_VERSION"),
                measure.description()
            )),
            strings.get(if exact { SAMPLED } else { ESTIMATED }),
        ];
        if !exact {
            comments.push(strings.get(if sampled {
                "samples shared among each function's stacks in proportion to their time"
            } else {
                "calls shared among each function's stacks in proportion to their time; a function \
    with calls but no own time has one stack, along its heaviest callers"
            }));
        }
        comments.extend(options.comments.iter().map(|c| strings.get(c)));
        let (period_type, period) = period(profile, timed, strings);

        for text in strings.iter() {
            out.string(field::PROFILE_STRING_TABLE, text)?;
        }
        out.body.clear();
        proto::int(&mut out.body, field::VALUE_TYPE_TYPE, period_type.0);
        proto::int(&mut out.body, field::VALUE_TYPE_UNIT, period_type.1);
        out.message(field::PROFILE_PERIOD_TYPE)?;
        out.int(field::PROFILE_PERIOD, period)?;
        for comment in comments {
            out.int(field::PROFILE_COMMENT, comment)?;
        }
        out.int(field::PROFILE_DEFAULT_SAMPLE_TYPE, default_type)
    }
}

/// The period: for timed figures, wall nanoseconds, one per sample interval when every sample
/// has the same known interval, else 1 (times measured, not sampled) or 0 (unknown); for
/// untimed samples, one sample.
fn period(profile: &Profile, timed: bool, strings: &mut Strings) -> ((i64, i64), i64) {
    if !timed {
        return ((strings.get("samples"), strings.get("count")), 1);
    }
    let period = match profile.measure() {
        Measure::Calls => 1,
        Measure::Samples { .. } => profile
            .stacks()
            .and_then(Stacks::interval)
            .map_or(0, |seconds| {
                TimeUnit::Ns.from_seconds(seconds).round() as i64
            }),
    };
    ((strings.get("wall"), strings.get("nanoseconds")), period)
}

fn location_id(id: FunctionId) -> u64 {
    id.index() as u64 + 1
}

/// A sampled profile's stacks: one pprof sample per (stack, thread).
fn write_sampled<W: io::Write>(
    profile: &Profile,
    stacks: &Stacks,
    timed: bool,
    strings: &mut Strings,
    out: &mut Stream<W>,
) -> io::Result<()> {
    let samples = stacks.samples();
    let wall = if timed {
        sample_weights(
            profile,
            TimeUnit::Ns,
            samples.iter().map(|s| (s.count, s.time)),
        )
    } else {
        Vec::new()
    };
    let thread_key = strings.get("thread");
    let thread_names: Vec<i64> = stacks
        .threads()
        .iter()
        .map(|t| strings.get(&t.frame_name()))
        .collect();
    let mut label = Vec::new();
    for (i, sample) in samples.iter().enumerate() {
        let time = wall.get(i).copied().unwrap_or(0);
        if sample.count == 0 && time == 0 {
            continue;
        }
        out.body.clear();
        proto::packed(
            &mut out.body,
            &mut out.scratch,
            field::SAMPLE_LOCATION_ID,
            stacks.frames(sample.stack).map(location_id),
        );
        let values = [sample.count, time];
        let values = &values[..if timed { 2 } else { 1 }];
        proto::packed(
            &mut out.body,
            &mut out.scratch,
            field::SAMPLE_VALUE,
            values.iter().map(|&v| clamp(v)),
        );
        if let Some(thread) = sample.thread {
            label.clear();
            proto::int(&mut label, field::LABEL_KEY, thread_key);
            proto::int(&mut label, field::LABEL_STR, thread_names[thread.index()]);
            proto::bytes(&mut out.body, field::SAMPLE_LABEL, &label);
        }
        out.message(field::PROFILE_SAMPLE)?;
    }
    Ok(())
}

/// pprof's values are int64: larger counts (only crafted inputs have them) are capped.
fn clamp(value: u64) -> u64 {
    value.min(i64::MAX as u64)
}

/// Estimated stacks: wall time as folded stacks round it, and each function's count (calls, or
/// samples as leaf for a sampled dump without stacks) shared among its stacks.
struct Estimate {
    stacks: StackTable,
    /// Per stack: its wall time in nanoseconds (zeros when untimed)…
    wall: Vec<u64>,
    /// …and its count.
    counts: Vec<u64>,
    /// Functions with a count but no stack: their heaviest path, leaf first, and count.
    extra: Vec<(Vec<FunctionId>, u64)>,
}

impl Estimate {
    fn new(profile: &Profile, options: &Options, timed: bool) -> Estimate {
        let stacks = StackTable::estimate(profile, &options.stacks);
        let wall = if timed {
            stacks.counts(TimeUnit::Ns)
        } else {
            vec![0; stacks.len()]
        };
        let (counts, extra) = count_shares(profile, &stacks);
        Estimate {
            stacks,
            wall,
            counts,
            extra,
        }
    }

    fn write<W: io::Write>(
        self,
        table: &FunctionTable,
        timed: bool,
        out: &mut Stream<W>,
    ) -> io::Result<()> {
        let Estimate {
            stacks: estimated,
            wall,
            counts,
            extra,
        } = self;
        write_estimated(&estimated, &wall, &counts, extra, table, timed, out)
    }
}

fn write_estimated<W: io::Write>(
    estimated: &StackTable,
    wall: &[u64],
    counts: &[u64],
    extra: Vec<(Vec<FunctionId>, u64)>,
    table: &FunctionTable,
    timed: bool,
    out: &mut Stream<W>,
) -> io::Result<()> {
    let mut frames: Vec<u64> = Vec::new();
    let mut write = |frames: &[u64], count: u64, time: u64| {
        if count == 0 && time == 0 {
            return Ok(());
        }
        out.body.clear();
        proto::packed(
            &mut out.body,
            &mut out.scratch,
            field::SAMPLE_LOCATION_ID,
            frames.iter().copied(),
        );
        let values = [count, time];
        let values = &values[..if timed { 2 } else { 1 }];
        proto::packed(
            &mut out.body,
            &mut out.scratch,
            field::SAMPLE_VALUE,
            values.iter().map(|&v| clamp(v)),
        );
        out.message(field::PROFILE_SAMPLE)
    };
    for (((stack, _), &count), &time) in estimated.iter().zip(counts).zip(wall) {
        frames.clear();
        frames.extend(stack.iter().rev().map(|frame| match frame {
            Frame::Function(id) => location_id(*id),
            Frame::OtherCallers => table.other_location,
        }));
        write(&frames, count, time)?;
    }
    for (path, count) in extra {
        frames.clear();
        frames.extend(path.iter().map(|&id| location_id(id)));
        write(&frames, count, 0)?;
    }
    Ok(())
}

/// The count each estimated stack carries: each listed function's count (its calls, or for a
/// sampled profile its samples as leaf) shared among the stacks it is the leaf of, in
/// proportion to their time, by largest remainders so that the shares add up to the count. A
/// function with a count but no stack (no own time) gets one more stack: the path of its
/// heaviest callers, leaf first.
fn count_shares(
    profile: &Profile,
    estimated: &StackTable,
) -> (Vec<u64>, Vec<(Vec<FunctionId>, u64)>) {
    let functions = profile.all_functions().len();
    // The stacks of each function as leaf: leaves come in function order.
    let mut leaves = estimated.leaves().peekable();
    let sampled = profile.measure().is_sampled();
    let mut counts = vec![0; estimated.len()];
    let mut extra = Vec::new();
    let mut on_path = vec![u32::MAX; functions];
    let mut seconds: Vec<f64> = Vec::new();
    let mut shares = Vec::new();
    let mut scratch = Rounding::default();
    for id in profile.functions() {
        let stats = profile.stats(id);
        let count = if sampled {
            stats.primitive_calls
        } else {
            stats.calls
        };
        let count = u64::try_from(count).unwrap_or(0);
        if count == 0 {
            continue;
        }
        let members = loop {
            match leaves.peek() {
                Some((leaf, _)) if *leaf < id => {
                    leaves.next();
                }
                Some((leaf, members)) if *leaf == id => break members.clone(),
                _ => break 0..0,
            }
        };
        match members.len() {
            0 => {
                extra.push((heaviest_path(profile, id, &mut on_path), count));
                continue;
            }
            // What `share` gives one amount, whatever it is.
            1 => {
                counts[members.start] = count;
                continue;
            }
            _ => {}
        }
        seconds.clear();
        seconds.extend(members.clone().map(|i| estimated.seconds(i)));
        share_into(count, &seconds, &mut shares, &mut scratch);
        for (i, &share) in members.zip(&shares) {
            counts[i] = share;
        }
    }
    (counts, extra)
}

/// Splits `count` among `amounts` in proportion (equally when they add up to nothing), by
/// largest remainders, so that the shares add up to `count` exactly.
#[cfg(test)]
fn share(count: u64, amounts: &[f64]) -> Vec<u64> {
    let mut shares = Vec::new();
    share_into(count, amounts, &mut shares, &mut Rounding::default());
    shares
}

/// [`share`] into `shares`, with scratch space reused from call to call.
fn share_into(count: u64, amounts: &[f64], shares: &mut Vec<u64>, scratch: &mut Rounding) {
    let usable = |a: f64| if a.is_finite() && a > 0.0 { a } else { 0.0 };
    let total: f64 = amounts.iter().map(|&a| usable(a)).sum();
    let mut scaled = std::mem::take(&mut scratch.scaled);
    scaled.clear();
    scaled.extend(amounts.iter().map(|&a| {
        if total > 0.0 {
            usable(a) / total * count as f64
        } else {
            count as f64 / amounts.len() as f64
        }
    }));
    round_preserving_sum_into(&scaled, shares, scratch);
    // The scaled amounts add up to `count` only up to float error: settle the difference on
    // the largest share.
    let sum: u64 = shares.iter().sum();
    if let Some(largest) = (0..shares.len()).max_by(|&a, &b| scaled[a].total_cmp(&scaled[b])) {
        shares[largest] = (shares[largest] + count).saturating_sub(sum);
    }
    scratch.scaled = scaled;
}

/// `id` and its heaviest callers up to a root, leaf first: at each frame the caller whose edge
/// carried the most time (then the most calls; the first on ties), skipping callers already on
/// the path. `on_path` marks frames with the path's function index.
fn heaviest_path(profile: &Profile, id: FunctionId, on_path: &mut [u32]) -> Vec<FunctionId> {
    let stamp = id.index() as u32;
    let mut path = vec![id];
    on_path[id.index()] = stamp;
    let weight = |call: CallStats| match call {
        CallStats::Timed { cumtime, calls, .. } => (cumtime, calls),
        CallStats::Count(calls) => (0.0, calls),
    };
    while path.len() < MAX_HEAVIEST_PATH {
        let top = path[path.len() - 1];
        let mut best: Option<(FunctionId, (f64, i64))> = None;
        for (caller, call) in profile.callers(top) {
            if on_path[caller.index()] == stamp {
                continue;
            }
            let w = weight(call);
            let heavier = best.is_none_or(|(_, b)| {
                w.0.total_cmp(&b.0).then(w.1.cmp(&b.1)) == std::cmp::Ordering::Greater
            });
            if heavier {
                best = Some((caller, w));
            }
        }
        let Some((caller, _)) = best else { break };
        on_path[caller.index()] = stamp;
        path.push(caller);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_count() {
        assert_eq!(share(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(share(7, &[0.7, 0.2, 0.1]), vec![5, 1, 1]);
        assert_eq!(share(3, &[0.0, 0.0]), vec![2, 1], "no time: equal shares");
        assert_eq!(share(5, &[f64::NAN, 2.0]), vec![0, 5]);
        let amounts: Vec<f64> = (1..=1000).map(|i| 1.0 / f64::from(i)).collect();
        assert_eq!(share(1_000_003, &amounts).iter().sum::<u64>(), 1_000_003);
        // count_shares gives a lone stack the whole count without calling `share`.
        for amount in [0.0, -1.0, 1e-300, 0.25, 3.0, f64::INFINITY, f64::NAN] {
            assert_eq!(share(12_345, &[amount]), vec![12_345], "{amount}");
        }
    }

    #[test]
    fn every_fixture_writes_without_error_and_gzips() {
        for path in [
            "tests/fixtures/stats/py313/cprofile.stats",
            "tests/fixtures/stats/py313/empty.stats",
            "tests/fixtures/sampled/py-spy/threads.folded",
        ] {
            let profile = crate::read_path(path, &Default::default())
                .and_then(crate::AnyProfile::into_calls)
                .expect("fixture reads");
            let mut out = Vec::new();
            write(&profile, &Options::default(), &mut out).expect("writes");
            assert_eq!(&out[..2], b"\x1f\x8b", "{path}: gzip magic");
            let plain = Options {
                gzip: false,
                ..Options::default()
            };
            let mut raw = Vec::new();
            write(&profile, &plain, &mut raw).expect("writes");
            let mut inflated = Vec::new();
            io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&out[..]), &mut inflated)
                .expect("gunzips");
            assert_eq!(inflated, raw, "{path}");
        }
    }
}
