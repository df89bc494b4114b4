//! Runs every compiled Cairo 0 program of a directory on cairo-vm (its
//! default hint processor) and on wavelane's VM, and says for each whether
//! the two agree: the step count, the final registers and the whole
//! relocated memory.
//!
//! ```sh
//! cargo run --release --example vm_corpus -- DIR [--layout L] [--json] [--hints]
//! ```
//!
//! One line per `*.json` of DIR (sorted by name):
//!
//! * `same`: steps, registers and relocated memory equal;
//! * `differs`: both ran, and what differs (steps, registers, the memory's
//!   size, the first differing addresses);
//! * `refused`: our VM refuses the program at load (the unsupported hint is
//!   quoted) while cairo-vm runs it;
//! * `both fail`, `cairo-vm fails`, `ours fails`: with the errors.
//!
//! Then a summary count. The exit status is 1 if a program cairo-vm runs
//! differs, is refused or fails here; 2 on bad arguments. With `--json` the
//! same is printed as one JSON object (`programs`, `summary`). With
//! `--hints`, each unsupported hint of the refused programs follows, with
//! the programs it blocks, most blocking first.

use cairo_vm::cairo_run::{cairo_run, CairoRunConfig};
use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::BuiltinHintProcessor;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::relocatable::Relocatable as OracleRel;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use wavelane::kernels::vm::hints::supported;
use wavelane::kernels::vm::{run, Layout, Program, RunConfig, VmError};
use wavelane::Felt;

/// What one VM left after a run: steps, relocated (pc, ap, fp), relocated
/// memory.
struct Outcome {
    steps: u64,
    regs: (u64, u64, u64),
    memory: Vec<Option<Felt>>,
}

/// How one program fared.
enum Verdict {
    Same { steps: u64 },
    Differs(String),
    Refused(String),
    BothFail { oracle: String, ours: String },
    OracleFails(String),
    OursFails(String),
}

impl Verdict {
    fn label(&self) -> &'static str {
        match self {
            Verdict::Same { .. } => "same",
            Verdict::Differs(_) => "differs",
            Verdict::Refused(_) => "refused",
            Verdict::BothFail { .. } => "both fail",
            Verdict::OracleFails(_) => "cairo-vm fails",
            Verdict::OursFails(_) => "ours fails",
        }
    }

    fn detail(&self) -> String {
        match self {
            Verdict::Same { steps } => format!("{steps} steps"),
            Verdict::Differs(d) | Verdict::Refused(d) | Verdict::OracleFails(d) | Verdict::OursFails(d) => d.clone(),
            Verdict::BothFail { oracle, ours } => format!("cairo-vm: {oracle} | ours: {ours}"),
        }
    }

    /// A program cairo-vm runs that does not run the same here.
    fn is_failure(&self) -> bool {
        matches!(self, Verdict::Differs(_) | Verdict::Refused(_) | Verdict::OursFails(_))
    }
}

/// A panic's message.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// One line of an error (errors may quote multi-line hints).
fn one_line(s: &str) -> String {
    let s = s.replace('\n', "\\n");
    if s.chars().count() > 400 {
        format!("{}…", s.chars().take(400).collect::<String>())
    } else {
        s
    }
}

fn oracle(bytes: &[u8], layout: LayoutName) -> Result<Outcome, String> {
    let cfg =
        CairoRunConfig { entrypoint: "main", trace_enabled: false, relocate_mem: true, layout, ..Default::default() };
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut hp = BuiltinHintProcessor::new_empty();
        let r = cairo_run(bytes, &cfg, &mut hp).map_err(|e| e.to_string())?;
        let table = r.vm.segments.relocate_segments().map_err(|e| e.to_string())?;
        let reloc = |a: OracleRel| (table[a.segment_index as usize] + a.offset) as u64;
        Ok(Outcome {
            steps: r.vm.get_current_step() as u64,
            regs: (reloc(r.vm.get_pc()), reloc(r.vm.get_ap()), reloc(r.vm.get_fp())),
            memory: r.relocated_memory.clone(),
        })
    }));
    r.unwrap_or_else(|p| Err(format!("panicked: {}", panic_text(p.as_ref()))))
}

/// Our run: `Err((refused, message))`, `refused` when the load rejected a hint.
fn ours(text: &str, layout: Layout) -> Result<Outcome, (bool, String)> {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let program = match Program::from_json(text) {
            Ok(p) => p,
            Err(VmError::UnsupportedHint { pc, code }) => {
                let more = unsupported_hints(text).len().saturating_sub(1);
                let more = if more > 0 { format!(" (and {more} more unsupported hints)") } else { String::new() };
                return Err((true, format!("hint at pc {pc}: {}{more}", one_line(&code))));
            }
            Err(e) => return Err((false, e.to_string())),
        };
        layout.check(&program).map_err(|e| (false, e.to_string()))?;
        let r = run(&program, &RunConfig { steps_limit: None, trace: false }).map_err(|e| (false, e.to_string()))?;
        let regs = r.relocated_registers();
        Ok(Outcome { steps: r.steps, regs: (regs.pc, regs.ap, regs.fp), memory: r.relocated_memory() })
    }));
    r.unwrap_or_else(|p| Err((false, format!("panicked: {}", panic_text(p.as_ref())))))
}

/// The distinct hint codes of a program's JSON that our VM does not support.
fn unsupported_hints(text: &str) -> Vec<String> {
    let known: Vec<&str> = supported().map(|(_, c)| c).collect();
    let j: Json = serde_json::from_str(text).unwrap_or(Json::Null);
    let mut out: Vec<String> = Vec::new();
    for list in j["hints"].as_object().into_iter().flat_map(|m| m.values()) {
        for h in list.as_array().into_iter().flatten() {
            if let Some(code) = h["code"].as_str() {
                if !known.contains(&code) && !out.iter().any(|c| c == code) {
                    out.push(code.to_string());
                }
            }
        }
    }
    out
}

/// What differs between two finished runs, or `None`.
fn difference(want: &Outcome, got: &Outcome) -> Option<String> {
    let mut d = Vec::new();
    if want.steps != got.steps {
        d.push(format!("steps {} (cairo-vm) vs {} (ours)", want.steps, got.steps));
    }
    if want.regs != got.regs {
        d.push(format!("pc, ap, fp {:?} vs {:?}", want.regs, got.regs));
    }
    if want.memory.len() != got.memory.len() {
        d.push(format!("memory size {} vs {}", want.memory.len(), got.memory.len()));
    }
    let diff: Vec<usize> =
        want.memory.iter().zip(&got.memory).enumerate().filter(|(_, (w, g))| w != g).map(|(i, _)| i).collect();
    if let Some(&i) = diff.first() {
        let show = |c: &Option<Felt>| c.map_or("hole".to_string(), |f| format!("{f:#x}"));
        d.push(format!(
            "{} memory cells differ, first at {i}: {} vs {}",
            diff.len(),
            show(&want.memory[i]),
            show(&got.memory[i])
        ));
    }
    (!d.is_empty()).then(|| d.join("; "))
}

fn judge(path: &Path, layout: Layout, oracle_layout: LayoutName) -> Verdict {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return Verdict::BothFail { oracle: e.to_string(), ours: e.to_string() },
    };
    let want = oracle(text.as_bytes(), oracle_layout).map_err(|e| one_line(&e));
    let got = ours(&text, layout);
    match (want, got) {
        (Ok(w), Ok(g)) => match difference(&w, &g) {
            None => Verdict::Same { steps: g.steps },
            Some(d) => Verdict::Differs(d),
        },
        (Ok(_), Err((true, hint))) => Verdict::Refused(hint),
        (Ok(_), Err((false, e))) => Verdict::OursFails(one_line(&e)),
        (Err(o), Ok(g)) => Verdict::OracleFails(format!("{o} (ours ran {} steps)", g.steps)),
        (Err(o), Err((_, e))) => Verdict::BothFail { oracle: o, ours: one_line(&e) },
    }
}

fn oracle_layout(name: &str) -> Option<LayoutName> {
    Some(match name {
        "plain" => LayoutName::plain,
        "small" => LayoutName::small,
        "dex" => LayoutName::dex,
        "recursive" => LayoutName::recursive,
        "starknet" => LayoutName::starknet,
        "starknet_with_keccak" => LayoutName::starknet_with_keccak,
        "recursive_large_output" => LayoutName::recursive_large_output,
        "recursive_with_poseidon" => LayoutName::recursive_with_poseidon,
        "all_solidity" => LayoutName::all_solidity,
        "all_cairo" => LayoutName::all_cairo,
        _ => return None,
    })
}

struct Args {
    dir: PathBuf,
    layout: String,
    json: bool,
    hints: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args { dir: PathBuf::new(), layout: "all_cairo".into(), json: false, hints: false };
    let mut it = std::env::args().skip(1);
    let mut dir = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--json" => a.json = true,
            "--hints" => a.hints = true,
            "--layout" => a.layout = it.next().ok_or("--layout needs a value")?,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s if dir.is_none() => dir = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    a.dir = dir.ok_or("usage: vm_corpus DIR [--layout L] [--json] [--hints]")?;
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("vm_corpus: {e}");
            return ExitCode::from(2);
        }
    };
    let (layout, olayout) = match (Layout::from_name(&args.layout), oracle_layout(&args.layout)) {
        (Ok(l), Some(o)) => (l, o),
        _ => {
            eprintln!("vm_corpus: unknown layout `{}`", args.layout);
            return ExitCode::from(2);
        }
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&args.dir) {
        Ok(rd) => {
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect()
        }
        Err(e) => {
            eprintln!("vm_corpus: {}: {e}", args.dir.display());
            return ExitCode::from(2);
        }
    };
    files.sort();
    // Silence cairo-vm's panics (they are reported as failures).
    std::panic::set_hook(Box::new(|_| {}));
    let width = files.iter().filter_map(|p| p.file_stem()).map(|s| s.len()).max().unwrap_or(0);
    let (mut counts, mut rows, mut failed) = (BTreeMap::<&str, usize>::new(), Vec::new(), false);
    let mut blocking = BTreeMap::<String, Vec<String>>::new();
    for path in &files {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let t = Instant::now();
        let v = judge(path, layout, olayout);
        *counts.entry(v.label()).or_default() += 1;
        if matches!(v, Verdict::Refused(_)) {
            for code in std::fs::read_to_string(path).map(|t| unsupported_hints(&t)).unwrap_or_default() {
                blocking.entry(code).or_default().push(name.clone());
            }
        }
        failed |= v.is_failure();
        if args.json {
            rows.push(json!({"program": name, "verdict": v.label(), "detail": v.detail(), "seconds": t.elapsed().as_secs_f64()}));
        } else {
            println!("{name:width$}  {:<14} {}", v.label(), v.detail());
        }
    }
    let summary: Json = counts.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>().into();
    if args.json {
        println!("{}", json!({"layout": args.layout, "programs": rows, "summary": summary, "total": files.len()}));
    } else {
        let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
        println!("{} programs: {}", files.len(), parts.join(", "));
    }
    if args.hints {
        let mut by_count: Vec<_> = blocking.into_iter().collect();
        by_count.sort_by_key(|(_, p)| std::cmp::Reverse(p.len()));
        for (code, programs) in by_count {
            println!("\n{} programs ({}) need:\n{code}", programs.len(), programs.join(", "));
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
