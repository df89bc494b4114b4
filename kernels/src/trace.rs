//! A process-wide trace recorder: spans of CPU work per thread, spans of GPU
//! passes placed on the host's clock, and counters, written as one Chrome
//! trace (the JSON Perfetto and `chrome://tracing` open).
//!
//! Off by default. While off, [`span`] is one relaxed atomic load and
//! returns a guard that does nothing; [`start`] turns recording on (and
//! clears what was recorded), [`finish`] turns it off and returns the
//! events. Spans nest by time on their thread: a guard records its span
//! when dropped, from its creation to then.
//!
//! Every layer records into the same trace: the trie's levels here, the
//! block executor's stages in the host.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static ON: AtomicBool = AtomicBool::new(false);
static EVENTS: Mutex<Vec<Event>> = Mutex::new(Vec::new());
static THREADS: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());
static NEXT_TID: AtomicU64 = AtomicU64::new(1);

/// The trace's clock: microseconds since the first use in this process.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Microseconds on the trace's clock at `t`.
pub fn micros(t: Instant) -> f64 {
    t.saturating_duration_since(epoch()).as_secs_f64() * 1e6
}

thread_local! {
    static TID: Cell<u64> = const { Cell::new(0) };
    /// The names of this thread's open spans, outermost first.
    static OPEN: std::cell::RefCell<Vec<Cow<'static, str>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The open spans of this thread joined by `/` (`block/commit.storage`),
/// or `None` when none is open: what the GPU passes submitted now belong
/// to (their debug group in a capture).
pub fn current_path() -> Option<String> {
    OPEN.with(|o| {
        let o = o.borrow();
        (!o.is_empty()).then(|| o.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join("/"))
    })
}

/// This thread's id in the trace (named after the thread on first use).
fn tid() -> u64 {
    TID.with(|t| {
        if t.get() == 0 {
            let id = NEXT_TID.fetch_add(1, Ordering::Relaxed);
            let name = std::thread::current().name().map_or_else(|| format!("thread {id}"), str::to_string);
            THREADS.lock().expect("no panics holding the thread list").push((id, name));
            t.set(id);
        }
        t.get()
    })
}

/// What an event is.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// CPU work on one thread.
    Span,
    /// A GPU pass, timed by timestamp queries, on the host's clock.
    Gpu,
    /// A counter's value at a moment (`dur` is 0).
    Counter(f64),
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Its kind.
    pub kind: Kind,
    /// Its name (`commit.storage`, `trie.level`, `bytes_up`).
    pub name: Cow<'static, str>,
    /// The recording thread (GPU spans: the thread that submitted).
    pub tid: u64,
    /// Start, microseconds on the trace's clock.
    pub ts: f64,
    /// Duration in microseconds.
    pub dur: f64,
    /// Numbers that go with it (a level's hashes, a block's number).
    pub args: Vec<(&'static str, f64)>,
}

/// Whether recording is on.
#[inline]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Turns recording on, dropping anything recorded before.
pub fn start() {
    epoch();
    EVENTS.lock().expect("no panics holding the events").clear();
    ON.store(true, Ordering::Relaxed);
}

/// Turns recording off and returns what was recorded, in recording order,
/// with the names of the threads that recorded.
pub fn finish() -> Trace {
    ON.store(false, Ordering::Relaxed);
    let events = std::mem::take(&mut *EVENTS.lock().expect("no panics holding the events"));
    let threads = THREADS.lock().expect("no panics holding the thread list").clone();
    Trace { events, threads }
}

fn record(e: Event) {
    EVENTS.lock().expect("no panics holding the events").push(e);
}

/// A span being timed; recorded when dropped (if recording was on when it
/// began).
#[must_use = "a span is timed until the guard is dropped"]
pub struct Span {
    inner: Option<Open>,
}

/// An open span: its name, its start and its arguments.
type Open = (Cow<'static, str>, Instant, Vec<(&'static str, f64)>);

impl Span {
    /// Adds a number to the span's arguments.
    pub fn arg(&mut self, name: &'static str, value: f64) {
        if let Some((_, _, args)) = &mut self.inner {
            args.push((name, value));
        }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some((name, start, args)) = self.inner.take() {
            OPEN.with(|o| {
                o.borrow_mut().pop();
            });
            let end = Instant::now();
            record(Event {
                kind: Kind::Span,
                name,
                tid: tid(),
                ts: micros(start),
                dur: micros(end) - micros(start),
                args,
            });
        }
    }
}

/// Times the work until the returned guard is dropped.
#[inline]
pub fn span(name: &'static str) -> Span {
    if !enabled() {
        return Span { inner: None };
    }
    open(Cow::Borrowed(name))
}

fn open(name: Cow<'static, str>) -> Span {
    OPEN.with(|o| o.borrow_mut().push(name.clone()));
    Span { inner: Some((name, Instant::now(), Vec::new())) }
}

/// A span with a name made at run time.
pub fn span_named(name: impl FnOnce() -> String) -> Span {
    if !enabled() {
        return Span { inner: None };
    }
    open(Cow::Owned(name()))
}

/// Records a counter's value now.
pub fn counter(name: &'static str, value: f64) {
    if enabled() {
        record(Event {
            kind: Kind::Counter(value),
            name: Cow::Borrowed(name),
            tid: tid(),
            ts: micros(Instant::now()),
            dur: 0.0,
            args: Vec::new(),
        });
    }
}

/// Records GPU passes named `name` from their raw timestamps (`(begin,
/// end)` in ticks of `period_ns` nanoseconds), all submitted by this thread
/// and known complete by `done`: the latest end is placed at `done` on the
/// host's clock and the others where their ticks put them, so passes keep
/// their exact durations and gaps.
pub fn gpu_passes(name: &str, done: Instant, ticks: &[(u64, u64)], period_ns: f64) {
    if !enabled() || ticks.is_empty() {
        return;
    }
    let last = ticks.iter().map(|t| t.1).max().unwrap_or(0);
    let anchor = micros(done);
    let tid = tid();
    let name: Cow<'static, str> = match current_path() {
        Some(p) => Cow::Owned(format!("{p}/{name}")),
        None => Cow::Owned(name.to_string()),
    };
    for &(b, e) in ticks {
        let to_us = |t: u64| t as f64 * period_ns * 1e-3;
        let ts = anchor - to_us(last.saturating_sub(b));
        let dur = to_us(e.saturating_sub(b));
        record(Event { kind: Kind::Gpu, name: name.clone(), tid, ts, dur, args: Vec::new() });
    }
}

/// A finished trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// The events.
    pub events: Vec<Event>,
    /// `(thread id, name)` of every thread that ever recorded.
    pub threads: Vec<(u64, String)>,
}

/// The process id the trace uses for CPU threads; GPU passes go to the
/// next one, so viewers show them as their own track.
const CPU_PID: u32 = 1;
const GPU_PID: u32 = 2;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

impl Trace {
    /// The trace as Chrome trace JSON (`{"traceEvents": [...]}`): complete
    /// events (`"ph": "X"`) for spans, counter events (`"C"`), and thread
    /// and process names (`"M"`).
    pub fn to_chrome_json(&self) -> String {
        let mut out = String::from("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
        let mut first = true;
        let mut push = |line: String| {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            out.push_str(&line);
        };
        push(format!("{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{CPU_PID},\"tid\":0,\"args\":{{\"name\":\"wavelane (CPU)\"}}}}"));
        push(format!("{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{GPU_PID},\"tid\":0,\"args\":{{\"name\":\"wavelane (GPU)\"}}}}"));
        for (id, name) in &self.threads {
            for pid in [CPU_PID, GPU_PID] {
                push(format!(
                    "{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{pid},\"tid\":{id},\"args\":{{\"name\":\"{}\"}}}}",
                    escape(name)
                ));
            }
        }
        for e in &self.events {
            let mut args = String::new();
            for (i, (k, v)) in e.args.iter().enumerate() {
                let _ = write!(args, "{}\"{}\":{}", if i == 0 { "" } else { "," }, k, json_number(*v));
            }
            let name = escape(&e.name);
            push(match e.kind {
                Kind::Span | Kind::Gpu => {
                    let (pid, cat) = if e.kind == Kind::Gpu { (GPU_PID, "gpu") } else { (CPU_PID, "cpu") };
                    format!(
                        "{{\"ph\":\"X\",\"cat\":\"{cat}\",\"name\":\"{name}\",\"pid\":{pid},\"tid\":{},\"ts\":{:.3},\"dur\":{:.3},\"args\":{{{args}}}}}",
                        e.tid, e.ts, e.dur
                    )
                }
                Kind::Counter(v) => format!(
                    "{{\"ph\":\"C\",\"name\":\"{name}\",\"pid\":{CPU_PID},\"tid\":{},\"ts\":{:.3},\"args\":{{\"value\":{}}}}}",
                    e.tid,
                    e.ts,
                    json_number(v)
                ),
            });
        }
        out.push_str("\n]}\n");
        out
    }
}

/// A number JSON can hold (non-finite values become 0).
fn json_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "0".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: recording is process-wide, and the test harness runs tests
    // of this crate on several threads.
    #[test]
    fn spans_nest_counters_record_and_off_records_nothing() {
        {
            let _ignored = span("before start");
        }
        start();
        {
            let mut outer = span("outer");
            outer.arg("n", 3.0);
            std::thread::sleep(std::time::Duration::from_millis(2));
            {
                let _inner = span("inner");
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            counter("bytes_up", 42.0);
        }
        gpu_passes("pass", Instant::now(), &[(1000, 1500), (2000, 2500)], 1000.0);
        let trace = finish();
        {
            let _ignored = span("after finish");
        }
        let names: Vec<&str> = trace.events.iter().map(|e| e.name.as_ref()).collect();
        assert!(!names.contains(&"before start") && !names.contains(&"after finish"), "{names:?}");
        let get = |n: &str| trace.events.iter().find(|e| e.name == n).expect(n);
        let (outer, inner) = (get("outer"), get("inner"));
        assert!(outer.ts <= inner.ts && inner.ts + inner.dur <= outer.ts + outer.dur, "{outer:?} {inner:?}");
        assert!(outer.dur >= 3000.0, "slept 3 ms: {outer:?}");
        assert_eq!(outer.args, vec![("n", 3.0)]);
        assert_eq!(get("bytes_up").kind, Kind::Counter(42.0));
        let passes: Vec<&Event> = trace.events.iter().filter(|e| e.kind == Kind::Gpu).collect();
        assert_eq!(passes.len(), 2);
        assert!((passes[0].dur - 500.0).abs() < 1e-6 && (passes[1].ts - passes[0].ts - 1000.0).abs() < 1e-6);
        let json = trace.to_chrome_json();
        assert!(
            json.starts_with("{\"displayTimeUnit\"") && json.contains("\"ph\":\"X\"") && json.contains("\"ph\":\"C\"")
        );
    }
}
