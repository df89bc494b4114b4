//! The Cairo VM against cairo-vm (the oracle): for every compiled program
//! under `tests/cairo/`, the step count, final registers, the whole
//! relocated memory and (for the small programs) the relocated trace must be
//! equal. Then one test per error case.

#[path = "support/oracle.rs"]
mod oracle;

use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::BuiltinHintProcessor;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::relocatable::MaybeRelocatable;
use cairo_vm::vm::runners::cairo_runner::{CairoArg, CairoRunner};
use oracle::{check, compare, oracle, oracle_outcome, our_outcome, path, Outcome};
use wavelane::kernels::vm::{run, run_entry, Arg, Layout, Program, RunConfig, VmError};
use wavelane::Felt;

/// cairo-vm's `run_from_entrypoint` on `func` of `name`: with `implicit`,
/// the program's builtin bases first (the function's implicit arguments),
/// then `args`.
fn oracle_entry(name: &str, func: &str, implicit: bool, args: &[Arg]) -> Outcome {
    let bytes = std::fs::read(path(name)).unwrap();
    let program = cairo_vm::types::program::Program::from_bytes(&bytes, None).unwrap();
    let mut runner = CairoRunner::new(&program, LayoutName::all_cairo, None, false, true, false).unwrap();
    runner.initialize_builtins(false).unwrap();
    runner.initialize_segments(None);
    let mut cargs: Vec<CairoArg> = runner
        .vm
        .get_builtin_runners()
        .iter()
        .filter(|_| implicit)
        .map(|b| CairoArg::Single(MaybeRelocatable::from((b.base() as isize, 0))))
        .collect();
    for a in args {
        cargs.push(match a {
            Arg::Felt(v) => CairoArg::Single(MaybeRelocatable::from(*v)),
            Arg::Array(vs) => CairoArg::Array(vs.iter().map(|v| MaybeRelocatable::from(*v)).collect()),
        });
    }
    let refs: Vec<&CairoArg> = cargs.iter().collect();
    let pc = program.get_identifier(&format!("__main__.{func}")).unwrap().pc.unwrap();
    let mut hp = BuiltinHintProcessor::new_empty();
    runner.run_from_entrypoint(pc, &refs, false, None, &mut hp).unwrap_or_else(|e| panic!("cairo-vm: {func}: {e}"));
    runner.relocate(true, true).unwrap();
    oracle_outcome(&runner)
}

fn ours_entry(name: &str, func: &str, args: &[Arg]) -> Outcome {
    let program = Program::from_file(path(name).as_ref()).unwrap();
    let r = run_entry(&program, func, args, &RunConfig { steps_limit: None, trace: true })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    our_outcome(&r)
}

#[test]
fn fib_loop() {
    check("fib_loop", true);
}

#[test]
fn recursion() {
    check("recursion", true);
}

#[test]
fn jumps() {
    check("jumps", true);
}

#[test]
fn field_mul() {
    check("field_mul", true);
}

#[test]
fn builtins() {
    check("builtins", true);
}

#[test]
fn hints() {
    check("hints", true);
}

#[test]
fn math_hints() {
    check("math", true);
}

#[test]
fn math_hint_variants() {
    check("math_variants", true);
}

#[test]
fn uint256_hints() {
    check("uint256", true);
}

#[test]
fn uint256_hint_variants() {
    check("uint256_variants", true);
}

#[test]
fn search_and_sort_hints() {
    check("search", true);
}

#[test]
fn dict_hints() {
    check("dict", true);
}

#[test]
fn entry_points_with_arguments() {
    let f = |v: u64| Felt::from(v);
    for (func, implicit, args) in [
        ("add_mul", false, vec![Arg::Felt(f(3)), Arg::Felt(f(5)), Arg::Felt(-f(7))]),
        ("sum_array", true, vec![Arg::Array(vec![f(4), f(9), f(16), f(25)]), Arg::Felt(f(4))]),
        ("sum_array", true, vec![Arg::Array(vec![]), Arg::Felt(f(0))]),
        ("main", true, vec![]),
        ("divide", true, vec![Arg::Felt(f(1000)), Arg::Felt(f(7)), Arg::Felt(f(33)), Arg::Felt(f(0))]),
        ("divide", true, vec![Arg::Felt(f(1)), Arg::Felt(f(0)), Arg::Felt(f(0)), Arg::Felt(f(0))]),
        ("find", true, vec![Arg::Array(vec![f(5), f(8), f(13)]), Arg::Felt(f(3)), Arg::Felt(f(13))]),
        ("sort", true, vec![Arg::Array(vec![f(9), f(1), f(9), f(4)]), Arg::Felt(f(4))]),
    ] {
        compare(func, true, oracle_entry("entry", func, implicit, &args), ours_entry("entry", func, &args));
    }
}

#[test]
fn bad_entry_points_are_named() {
    let p = Program::from_file(path("entry").as_ref()).unwrap();
    let cfg = RunConfig::default();
    let e = run_entry(&p, "nope", &[], &cfg).unwrap_err().to_string();
    assert!(e.contains("`nope`"), "{e}");
    let e = run_entry(&p, "add_mul", &[Arg::Felt(Felt::ONE)], &cfg).unwrap_err().to_string();
    assert!(e.contains("takes 3 argument cells (a, b, c), got 1"), "{e}");
    // An array where a felt is expected is an error in the run, not a panic.
    let e = run_entry(&p, "sum_array", &[Arg::Felt(Felt::ONE), Arg::Array(vec![])], &cfg).unwrap_err();
    assert!(matches!(e, VmError::Run { .. } | VmError::UnknownMemory { .. }), "{e}");
}

/// Inputs the library's hints reject: errors naming the hint and the pc,
/// where cairo-vm fails too; never a panic.
#[test]
fn failing_hints_are_errors() {
    let p = Program::from_file(path("entry").as_ref()).unwrap();
    let f = |v: u64| Arg::Felt(Felt::from(v));
    let arr = |v: &[u64]| Arg::Array(v.iter().map(|&x| Felt::from(x)).collect());
    for (func, args, needle) in [
        ("divide", vec![Arg::Felt(Felt::TWO.pow(200u32)), f(0), f(3), f(0)], "assert_eq failed"),
        ("find", vec![arr(&[5, 8]), f(2), f(7)], "was not found"),
        ("find", vec![arr(&[5]), f(3), f(7)], "unknown memory"),
        ("sort", vec![Arg::Felt(Felt::ONE), f(2)], "pointer"),
    ] {
        let r = run_entry(&p, func, &args, &RunConfig::default());
        let e = match r {
            Ok(r) => panic!("{func} {args:?}: ran {} steps", r.steps),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(needle) && e.contains("pc 0:"), "{func}: {e}");
    }
}

#[test]
fn keccak_hints() {
    check("keccak", false);
}

#[test]
fn blake2s_hints() {
    check("blake2s", false);
}

#[test]
fn ecdsa_builtin_and_signature_hint() {
    check("signature", true);
    // One bit off in s: the run fails naming the instance, without panicking.
    let text = std::fs::read_to_string(path("signature")).unwrap();
    let s = "0x653008817070564bfb43e81c1053f04764579872e64d472b1ada106eca05cd2";
    let bad = text.replace(s, "0x653008817070564bfb43e81c1053f04764579872e64d472b1ada106eca05cd3");
    let e = run(&Program::from_json(&bad).unwrap(), &RunConfig::default()).unwrap_err().to_string();
    assert!(e.contains("ecdsa: signature") && e.contains("is invalid"), "{e}");
}

#[test]
fn secp256k1_hints() {
    check("secp", false);
}

#[test]
fn ec_op_and_keccak_builtins() {
    check("ec_keccak", true);
}

#[test]
fn layouts_refuse_missing_builtins() {
    let p = Program::from_file(path("ec_keccak").as_ref()).unwrap();
    for (layout, ok) in [("all_cairo", true), ("starknet_with_keccak", true), ("starknet", false), ("plain", false)] {
        let r = Layout::from_name(layout).unwrap().check(&p);
        assert_eq!(r.is_ok(), ok, "{layout}: {r:?}");
    }
    let e = Layout::Starknet.check(&p).unwrap_err().to_string();
    assert!(e.contains("`keccak`") && e.contains("`starknet`"), "{e}");
}

#[test]
fn long_loop() {
    check("long_loop", false);
}

#[test]
fn long_fib() {
    check("long_fib", false);
}

// ---- error cases ----------------------------------------------------------

const PRIME: &str = "0x800000000000011000000000000000000000000000000000000000000000001";

/// A hand-made program: `data` words and `main` at pc 0.
fn program(data: &[&str], extra: &str) -> String {
    let data: Vec<String> = data.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        r#"{{"prime":"{PRIME}","data":[{}],"builtins":[],"hints":{{}},"identifiers":{{"__main__.main":{{"pc":0,"type":"function"}}}},"reference_manager":{{"references":[]}}{extra}}}"#,
        data.join(",")
    )
}

fn run_text(text: &str, limit: Option<u64>) -> Result<u64, VmError> {
    let p = Program::from_json(text)?;
    run(&p, &RunConfig { steps_limit: limit, trace: false }).map(|r| r.steps)
}

#[test]
fn invalid_instruction_names_pc_and_step() {
    // `[ap] = 1; ap++` then a word with opcode 7.
    let bad = format!("{:#x}", 7u64 << 60);
    let e = run_text(&program(&["0x480680017fff8000", "0x1", &bad], ""), None).unwrap_err();
    assert!(matches!(e, VmError::InvalidInstruction { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("pc 0:2") && msg.contains("step 1"), "{msg}");
}

#[test]
fn conflicting_write() {
    // [ap] = 1 (no ap++), then at pc 2 an `alloc` hint writes a new segment's
    // base to [ap]: a second, different value in one cell.
    let extra = r#","hints":{"2":[{"accessible_scopes":[],"code":"memory[ap] = segments.add()","flow_tracking_data":{"ap_tracking":{"group":0,"offset":0},"reference_ids":{}}}]}"#;
    let e = run_text(&program(&["0x400680017fff8000", "0x1", "0x208b7fff7fff7ffe"], extra), None).unwrap_err();
    assert!(matches!(e, VmError::ConflictingWrite { .. }), "{e}");
    assert!(e.to_string().contains("step 1"), "{e}");
}

#[test]
fn unknown_memory() {
    // jmp rel [ap + 5] where [ap + 5] was never written.
    let e = run_text(&program(&["0x011380057fff7fff"], ""), None);
    let e = e.unwrap_err();
    assert!(matches!(e, VmError::UnknownMemory { .. }), "{e}");
    assert!(e.to_string().contains("pc 0:0") && e.to_string().contains("step 0"), "{e}");
}

#[test]
fn step_limit() {
    // jmp rel 0: loops forever.
    let e = run_text(&program(&["0x10780017fff7fff", "0x0"], ""), Some(1000)).unwrap_err();
    assert!(matches!(e, VmError::StepLimit { limit: 1000, .. }), "{e}");
    assert!(e.to_string().contains("step 1000"), "{e}");
    // A real program within its limit, and just past it.
    let p = Program::from_file(path("fib_loop").as_ref()).unwrap();
    let n = run(&p, &RunConfig::default()).unwrap().steps;
    assert!(run(&p, &RunConfig { steps_limit: Some(n), trace: false }).is_ok());
    assert!(matches!(run(&p, &RunConfig { steps_limit: Some(n - 1), trace: false }), Err(VmError::StepLimit { .. })));
}

#[test]
fn unsupported_hint_is_named() {
    let extra = r#","hints":{"0":[{"accessible_scopes":[],"code":"print('hello')","flow_tracking_data":{"ap_tracking":{"group":0,"offset":0},"reference_ids":{}}}]}"#;
    // A later duplicate key replaces the empty `hints`.
    let text = program(&["0x208b7fff7fff7ffe"], extra);
    let e = Program::from_json(&text).unwrap_err();
    assert!(matches!(e, VmError::UnsupportedHint { pc: 0, .. }), "{e}");
    assert!(e.to_string().contains("print('hello')"), "{e}");
}

#[test]
fn malformed_programs_are_rejected() {
    for bad in ["", "{}", "[1]", &program(&["0xzz"], "")] {
        assert!(matches!(Program::from_json(bad), Err(VmError::Program(_))), "{bad}");
    }
}

#[test]
fn failing_assertion_is_an_error_not_a_panic() {
    // [ap] = 1; ap++ then [ap - 1] = 2 → assert_eq mismatch (dst known).
    let e = run_text(&program(&["0x480680017fff8000", "0x1", "0x400680017fff7fff", "0x2"], ""), None).unwrap_err();
    assert!(matches!(e, VmError::Run { .. }), "{e}");
}

// ---- the CLI ---------------------------------------------------------------

fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wavelane")).args(args).output().unwrap()
}

#[test]
fn cli_json_matches_cairo_vm() {
    for name in ["builtins", "hints"] {
        let out = cli(&["cairo", "run", &path(name), "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let want = oracle(name, false);
        assert_eq!(j["steps"].as_u64(), Some(want.steps), "{name}");
        assert_eq!(
            (j["pc"].as_u64().unwrap(), j["ap"].as_u64().unwrap(), j["fp"].as_u64().unwrap()),
            want.regs,
            "{name}"
        );
        let mem: Vec<Option<Felt>> =
            j["memory"].as_array().unwrap().iter().map(|c| c.as_str().map(|s| Felt::from_hex(s).unwrap())).collect();
        assert_eq!(mem, want.memory, "{name}: memory");
    }
}

#[test]
fn cli_bad_input_exits_2_naming_the_problem() {
    let out = cli(&["cairo", "run", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cargo.toml"));
    let out = cli(&["cairo", "run", &path("long_fib"), "--steps-limit", "1000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("step limit 1000") && err.contains("pc 0:"), "{err}");
}

#[test]
fn cli_runs_an_entry_point_with_arguments() {
    let out = cli(&["cairo", "run", &path("entry"), "--entry", "sum_array", "--args", "[4 9 16 25],4", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = |v: u64| Felt::from(v);
    let want = oracle_entry("entry", "sum_array", true, &[Arg::Array(vec![f(4), f(9), f(16), f(25)]), Arg::Felt(f(4))]);
    assert_eq!(j["steps"].as_u64(), Some(want.steps));
    let mem: Vec<Option<Felt>> =
        j["memory"].as_array().unwrap().iter().map(|c| c.as_str().map(|s| Felt::from_hex(s).unwrap())).collect();
    assert_eq!(mem, want.memory);
    for bad in [
        &["--entry", "nope"][..],
        &["--entry", "add_mul", "--args", "1,zz,3"],
        &["--layout", "plain"],
        &["--layout", "x"],
    ] {
        let out = cli(&[&["cairo", "run", &path("entry")][..], bad].concat());
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
}

#[test]
fn huge_hole_is_an_error_not_an_allocation() {
    // [ap + 0x7fff] = 1 is fine; a hint-free program cannot reach further in
    // one write, so jump ap far ahead first: ap += 2^40, then [ap] = 1.
    let e =
        run_text(&program(&["0x40780017fff7fff", "0x10000000000", "0x400680017fff8000", "0x1"], ""), None).unwrap_err();
    assert!(e.to_string().contains("too far"), "{e}");
}
