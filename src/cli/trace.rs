//! `--trace FILE` (on `run`, `bench block` and `commit`) and `wavelane trace
//! summary FILE`: one Chrome trace / Perfetto JSON file of a run — the CPU
//! stages as spans per thread, the GPU passes from timestamp queries on the
//! same timeline, counters per block — and a text summary of one, for a
//! machine without a trace viewer.

use super::InputError;
use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wavelane::kernels::trace;

/// `--trace FILE`, shared by `run`, `bench block` and `commit`.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct TraceArg {
    /// Write a Chrome trace / Perfetto JSON of the run to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) trace: Option<PathBuf>,
}

impl TraceArg {
    /// Runs `f`, traced into the file when one was named (see [`traced`]).
    pub(crate) fn around<R>(&self, f: impl FnOnce() -> anyhow::Result<R>) -> anyhow::Result<R> {
        traced(self.trace.as_deref(), f)
    }
}

/// Runs `f` with tracing on when `path` is given, then writes the trace
/// there (whole: to a temporary name, then renamed), whether `f` succeeded
/// or not.
fn traced<R>(path: Option<&Path>, f: impl FnOnce() -> anyhow::Result<R>) -> anyhow::Result<R> {
    let Some(path) = path else { return f() };
    trace::start();
    let result = f();
    let json = trace::finish().to_chrome_json();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing the trace to {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    eprintln!("trace written to {} (open it in https://ui.perfetto.dev or chrome://tracing)", path.display());
    result
}

/// Arguments of `wavelane trace`.
#[derive(Args)]
pub(crate) struct TraceArgs {
    #[command(subcommand)]
    command: TraceCommand,
}

#[derive(Subcommand)]
enum TraceCommand {
    /// Time per stage and the longest spans of a trace file.
    Summary {
        /// A trace written with --trace.
        file: PathBuf,
        /// How many of the longest spans to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Per span name: how many, total and longest microseconds, and the
/// category (`cpu` or `gpu`).
#[derive(Default)]
struct Stage {
    cat: String,
    count: u64,
    total: f64,
    max: f64,
}

/// Runs `wavelane trace`.
pub(crate) fn run(args: TraceArgs) -> anyhow::Result<()> {
    let TraceCommand::Summary { file, top, json } = args.command;
    let name = file.display().to_string();
    let text = std::fs::read_to_string(&file).map_err(|e| InputError(format!("{name}: cannot read: {e}")))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| InputError(format!("{name}: not JSON: {e}")))?;
    let events = v
        .get("traceEvents")
        .and_then(Value::as_array)
        .ok_or_else(|| InputError(format!("{name}: no `traceEvents` array: not a Chrome trace")))?;
    let mut stages: BTreeMap<String, Stage> = BTreeMap::new();
    let mut spans: Vec<(f64, f64, String, String)> = Vec::new();
    let mut counters: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    let mut threads: BTreeMap<(u64, u64), String> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let field = |k: &str| e.get(k).ok_or_else(|| InputError(format!("{name}: traceEvents[{i}]: no `{k}`")));
        let ph = field("ph")?.as_str().unwrap_or("");
        let ename = field("name")?.as_str().unwrap_or("").to_string();
        let num = |k: &str| -> Result<f64, InputError> {
            field(k)?.as_f64().ok_or_else(|| InputError(format!("{name}: traceEvents[{i}].{k}: not a number")))
        };
        match ph {
            "X" => {
                let (ts, dur) = (num("ts")?, num("dur")?);
                let cat = e.get("cat").and_then(Value::as_str).unwrap_or("cpu").to_string();
                let s = stages.entry(ename.clone()).or_default();
                s.cat = cat.clone();
                s.count += 1;
                s.total += dur;
                s.max = s.max.max(dur);
                spans.push((dur, ts, ename, cat));
            }
            "C" => {
                let value = e.pointer("/args/value").and_then(Value::as_f64).unwrap_or(0.0);
                let c = counters.entry(ename).or_default();
                c.0 += 1;
                c.1 += value;
            }
            "M" if ename == "thread_name" => {
                let pid = e.get("pid").and_then(Value::as_u64).unwrap_or(0);
                let tid = e.get("tid").and_then(Value::as_u64).unwrap_or(0);
                let tname = e.pointer("/args/name").and_then(Value::as_str).unwrap_or("").to_string();
                threads.insert((pid, tid), tname);
            }
            _ => {}
        }
    }
    spans.sort_by(|a, b| b.0.total_cmp(&a.0));
    spans.truncate(top);
    let wall = stages.get("block").map_or(0.0, |s| s.total);
    if json {
        let stage_json: Vec<Value> = stages
            .iter()
            .map(|(n, s)| json!({"name": n, "cat": s.cat, "count": s.count, "total_us": s.total, "max_us": s.max}))
            .collect();
        let top_json: Vec<Value> =
            spans.iter().map(|(d, ts, n, c)| json!({"name": n, "cat": c, "ts_us": ts, "dur_us": d})).collect();
        let counter_json: BTreeMap<&String, Value> =
            counters.iter().map(|(n, (k, sum))| (n, json!({"samples": k, "sum": sum}))).collect();
        let out = json!({
            "file": name,
            "events": events.len(),
            "threads": threads.len(),
            "block_us": wall,
            "stages": stage_json,
            "longest": top_json,
            "counters": counter_json,
        });
        println!("{out}");
        return Ok(());
    }
    println!("{name}: {} events, {} thread tracks", events.len(), threads.len());
    println!("{:<44} {:>4} {:>7} {:>12} {:>12} {:>8}", "span", "cat", "count", "total", "longest", "of blocks");
    let mut rows: Vec<(&String, &Stage)> = stages.iter().collect();
    rows.sort_by(|a, b| b.1.total.total_cmp(&a.1.total));
    for (n, s) in rows {
        let share = if wall > 0.0 { format!("{:.1} %", 100.0 * s.total / wall) } else { String::new() };
        println!("{n:<44} {:>4} {:>7} {:>12} {:>12} {share:>8}", s.cat, s.count, ms(s.total), ms(s.max));
    }
    println!("longest spans:");
    for (d, ts, n, c) in &spans {
        println!("  {:>12}  at {:>12}  {c} {n}", ms(*d), ms(*ts));
    }
    if !counters.is_empty() {
        let list: Vec<String> = counters.iter().map(|(n, (k, sum))| format!("{n} {sum} over {k}")).collect();
        println!("counters: {}", list.join(", "));
    }
    Ok(())
}

fn ms(us: f64) -> String {
    format!("{:.3} ms", us / 1e3)
}
