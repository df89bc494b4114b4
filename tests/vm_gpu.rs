//! Cairo VM batches on every backend against the CPU VM run job by job
//! (itself checked against cairo-vm in `tests/vm.rs`): the same step count,
//! final registers and relocated memory, or the same error, for every lane.
//! On the GPU (lavapipe in CI, under `WAVELANE_REQUIRE_GPU=1`) every
//! program under `tests/cairo` runs as a batch with different arguments
//! per lane; random single steps from random states match the CPU VM's;
//! lanes fall back at hints, at the lanes' step budget, at a full segment
//! and at builtins they lack, and the batch still ends as on the CPU;
//! pedersen and poseidon cells are deduced on the GPU without a fallback.
//! Batches stay small: lavapipe runs the shaders on the CPU.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wavelane::kernels::field::Fe;
use wavelane::kernels::gpu;
use wavelane::kernels::vm::gpu as vm_gpu;
use wavelane::kernels::vm::{advance, decode, Builtin, Memory, Paused, Relocatable, Value};
use wavelane::kernels::vm::{
    run_batch, Arg, Batch, BatchConfig, Job, LaneConfig, LaneReport, Program, Run, RunConfig, Stop,
};
use wavelane::kernels::Backend;
use wavelane::Felt;

fn load(name: &str) -> Program {
    Program::from_file(format!("{}/tests/cairo/{name}.json", env!("CARGO_MANIFEST_DIR")).as_ref()).unwrap()
}

fn felts(v: &[i64]) -> Vec<Arg> {
    v.iter().map(|&x| Arg::Felt(if x < 0 { -Felt::from(-x) } else { Felt::from(x) })).collect()
}

/// Steps, final (pc, ap, fp) and memory, relocated.
type Outcome = (u64, (u64, u64, u64), Vec<Option<Felt>>);

/// What a run left, relocated, or its error.
fn outcome(r: &Result<Run, wavelane::kernels::vm::VmError>) -> Result<Outcome, String> {
    match r {
        Ok(r) => {
            let g = r.relocated_registers();
            Ok((r.steps, (g.pc, g.ap, g.fp), r.relocated_memory()))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Runs `jobs` on `backend` and checks every lane against the CPU VM run
/// alone; returns the batch.
fn check(backend: Backend, name: &str, program: &Program, jobs: &[Job], cfg: &BatchConfig) -> Batch {
    let batch = run_batch(backend, program, jobs, cfg).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(batch.runs.len(), jobs.len(), "{name}: one result per job");
    let run_cfg = RunConfig { steps_limit: cfg.steps_limit, trace: false };
    for (i, (job, got)) in jobs.iter().zip(&batch.runs).enumerate() {
        let want = outcome(&job.run(program, &run_cfg));
        let got = outcome(got);
        match (&got, &want) {
            (Ok(g), Ok(w)) => {
                assert_eq!(g.0, w.0, "{name} lane {i} ({job:?}) on {backend:?}: steps");
                assert_eq!(g.1, w.1, "{name} lane {i} ({job:?}) on {backend:?}: final pc, ap, fp");
                assert!(g.2 == w.2, "{name} lane {i} ({job:?}) on {backend:?}: relocated memory differs");
            }
            _ => assert_eq!(got, want, "{name} lane {i} ({job:?}) on {backend:?}"),
        }
    }
    if backend == Backend::Gpu {
        let lanes = batch.lanes.as_ref().expect("the gpu backend reports its lanes");
        assert_eq!(lanes.stops.iter().sum::<usize>(), jobs.iter().filter(|j| j.start(program).is_ok()).count());
    }
    batch
}

fn lanes(batch: &Batch) -> &LaneReport {
    batch.lanes.as_ref().expect("a gpu batch")
}

/// Each program with jobs whose arguments differ per lane (`main` where the
/// program has no other entry point with felt arguments), and whether the
/// lanes can finish it on the GPU alone (no hint, no builtin they lack).
fn batches() -> Vec<(&'static str, Vec<Job>, bool)> {
    let per_lane = |n: i64, f: &dyn Fn(i64) -> Job| (0..n).map(f).collect::<Vec<Job>>();
    let uint = |lo: i64, hi: i64| [lo, hi];
    vec![
        ("fib_loop", per_lane(5, &|i| Job::entry("fib", felts(&[1, 1 + i, 3 * i]))), true),
        ("field_mul", per_lane(4, &|i| Job::entry("powchain", felts(&[i + 2, 1, 5 + i]))), true),
        ("jumps", per_lane(4, &|i| Job::entry("count_down", felts(&[i * 2]))), true),
        ("recursion", per_lane(4, &|i| Job::entry(if i % 2 == 0 { "rfib" } else { "rfib_t" }, felts(&[i + 3]))), true),
        ("long_loop", per_lane(3, &|i| Job::entry("run", felts(&[10 + i, 1, 2]))), true),
        ("hash_lanes", per_lane(4, &|i| hash_job(i, 1 + i / 2)), true),
        (
            "entry",
            per_lane(6, &|i| match i % 3 {
                0 => Job::entry("add_mul", felts(&[i, -i, 7])),
                1 => Job::entry("sum_array", vec![Arg::Array(felts_raw(&[i, 2, 3])), Arg::Felt(Felt::from(3))]),
                _ => Job::entry("divide", felts(&[100 + i, 0, 7, 0])),
            }),
            false,
        ),
        (
            "math_variants",
            per_lane(4, &|i| match i % 2 {
                0 => Job::entry("le_v08", felts(&[i, 10])),
                _ => Job::entry("lsb", felts(&[i, 3])),
            }),
            false,
        ),
        ("uint256_variants", per_lane(3, &|i| Job::entry("add_low", felts(&[uint(i, 0), uint(5, i)].concat()))), false),
        ("builtins", vec![Job::main(); 2], false),
        ("hints", vec![Job::main(); 2], false),
        ("math", vec![Job::main(); 2], false),
        ("dict", vec![Job::main(); 2], false),
        ("search", vec![Job::main(); 2], false),
        ("uint256", vec![Job::main(); 2], false),
        ("secp", vec![Job::main(); 1], false),
        ("signature", vec![Job::main(); 1], false),
        ("blake2s", vec![Job::main(); 1], false),
        ("keccak", vec![Job::main(); 1], false),
        ("ec_keccak", vec![Job::main(); 1], false),
        ("long_fib", vec![Job::main(); 2], false),
    ]
}

/// `chain(x, n)` (n pedersen and n poseidon hashes) for even `i`,
/// `sponge(x, 2, 3, n)` (3n poseidon outputs read) for odd ones.
fn hash_job(i: i64, n: i64) -> Job {
    match i % 2 {
        0 => Job::entry("chain", felts(&[i - 3, n])),
        _ => Job::entry("sponge", felts(&[i, 2, 3, n])),
    }
}

/// The (pedersen, poseidon) cells [`hash_job`]'s run deduces.
fn hash_job_cells(i: i64, n: i64) -> (u64, u64) {
    let n = n as u64;
    match i % 2 {
        0 => (n, n),
        _ => (0, 3 * n),
    }
}

fn felts_raw(v: &[i64]) -> Vec<Felt> {
    v.iter().map(|&x| Felt::from(x)).collect()
}

/// Small lanes, and few GPU steps for the long programs: lavapipe is slow.
fn small_lanes() -> BatchConfig {
    BatchConfig {
        steps_limit: None,
        lanes: LaneConfig { exec_cells: 1 << 12, max_steps: 2_000, dispatch_steps: 4096, ..LaneConfig::default() },
    }
}

#[test]
fn every_program_on_the_gpu_matches_the_cpu_vm() {
    let Some(_) = gpu::context_or_skip("every_program_on_the_gpu_matches_the_cpu_vm") else {
        return;
    };
    let mut all = LaneReport::default();
    for (name, jobs, gpu_only) in batches() {
        let program = load(name);
        let batch = check(Backend::Gpu, name, &program, &jobs, &small_lanes());
        let l = lanes(&batch);
        if gpu_only {
            assert_eq!(l.count(Stop::Finished), jobs.len(), "{name}: every lane finishes on the GPU: {l:?}");
        }
        assert!(l.gpu_steps > 0, "{name}: the lanes ran steps: {l:?}");
        for (i, s) in l.stops.iter().enumerate() {
            all.stops[i] += s;
        }
    }
    // The programs above cover every way a lane stops but a full segment.
    for why in [Stop::Finished, Stop::Hint, Stop::StepLimit, Stop::Builtin] {
        assert!(all.count(why) > 0, "no lane stopped with {why:?}: {all:?}");
    }
}

#[test]
fn pedersen_and_poseidon_run_in_the_lanes() {
    let Some(_) = gpu::context_or_skip("pedersen_and_poseidon_run_in_the_lanes") else {
        return;
    };
    let program = load("hash_lanes");
    let big = Felt::from(2u64).pow(250u128) + Felt::from(12345u64);
    let mut jobs: Vec<Job> = (0..6).map(|i| hash_job(i, 1 + i % 3)).collect();
    jobs.push(Job::entry("chain", vec![Arg::Felt(big), Arg::Felt(Felt::from(2))]));
    jobs.push(Job::entry("hash_pointer", vec![Arg::Array(felts_raw(&[1, 2]))]));
    jobs.push(Job::main());
    let (mut pedersen, mut poseidon) = (2 + 3, 2 + 3 + 3 * 2);
    for i in 0..6 {
        let (a, b) = hash_job_cells(i, 1 + i % 3);
        (pedersen, poseidon) = (pedersen + a, poseidon + b);
    }
    let b = check(Backend::Gpu, "hash_lanes", &program, &jobs, &small_lanes());
    let l = lanes(&b);
    // Every lane but the one hashing a pointer (an error, on the CPU)
    // finishes on the GPU, every hash deduced there.
    assert_eq!((l.count(Stop::Finished), l.count(Stop::General), l.fell_back()), (8, 1, 1), "{l:?}");
    assert_eq!((l.pedersen_hashes, l.poseidon_hashes), (pedersen, poseidon), "{l:?}");
    // The lanes ran every step, and the 7 of `hash_pointer` before its hash.
    assert_eq!(l.gpu_steps, b.steps() + 7, "{l:?}");
    assert!(b.runs[7].is_err(), "pedersen rejects a pointer");
    // A lane budget that ends runs between hashes, dispatches of a few
    // steps, and builtin segments too small for the hashes' cells: the CPU
    // finishes those lanes, with the same results.
    let tight = [
        LaneConfig { max_steps: 60, dispatch_steps: 7, ..small_lanes().lanes },
        LaneConfig { segment_cells: 4, ..small_lanes().lanes },
    ];
    for (k, cfg) in tight.into_iter().enumerate() {
        let cfg = BatchConfig { lanes: cfg, ..small_lanes() };
        let b = check(Backend::Gpu, "hash_lanes, tight", &program, &jobs, &cfg);
        let l = lanes(&b);
        let why = if k == 0 { Stop::StepLimit } else { Stop::Memory };
        assert!(l.count(why) > 0 && l.device_hashes() > 0 && l.device_hashes() < pedersen + poseidon, "{l:?}");
        assert_eq!(l.count(Stop::Builtin), 0, "{l:?}");
    }
}

#[test]
fn cpu_backends_match_the_cpu_vm() {
    for (name, jobs, _) in batches().into_iter().filter(|(n, _, _)| *n != "long_fib") {
        let program = load(name);
        for backend in [Backend::Scalar, Backend::Simd] {
            let batch = check(backend, name, &program, &jobs, &BatchConfig::default());
            assert!(batch.lanes.is_none());
        }
    }
}

#[test]
fn lanes_fall_back_at_the_step_budget_and_a_full_segment() {
    let Some(_) = gpu::context_or_skip("lanes_fall_back_at_the_step_budget_and_a_full_segment") else {
        return;
    };
    let program = load("fib_loop");
    let jobs: Vec<Job> = (0..5).map(|i| Job::entry("fib", felts(&[1, 2, 40 + i]))).collect();
    // fib(.., n) takes about 7n steps: a budget of 100 stops every lane.
    let budget = BatchConfig {
        lanes: LaneConfig { max_steps: 100, dispatch_steps: 30, ..small_lanes().lanes },
        ..small_lanes()
    };
    let b = check(Backend::Gpu, "fib_loop, step budget", &program, &jobs, &budget);
    assert_eq!(lanes(&b).count(Stop::StepLimit), 5, "{:?}", b.lanes);
    assert_eq!(lanes(&b).gpu_steps, 500);
    assert!(lanes(&b).dispatches >= 4, "{:?}", b.lanes);
    // Room for about 30 cells of execution segment: every lane fills it.
    let full = BatchConfig { lanes: LaneConfig { exec_cells: 30, ..small_lanes().lanes }, ..small_lanes() };
    let b = check(Backend::Gpu, "fib_loop, full segment", &program, &jobs, &full);
    assert_eq!(lanes(&b).count(Stop::Memory), 5, "{:?}", b.lanes);
    // Lane memory for two lanes at a time (4357 cells each): three groups.
    let groups = BatchConfig { lanes: LaneConfig { max_bytes: 2 * 4357 * 32, ..small_lanes().lanes }, ..small_lanes() };
    let b = check(Backend::Gpu, "fib_loop, groups", &program, &jobs, &groups);
    assert_eq!(lanes(&b).count(Stop::Finished), 5, "{:?}", b.lanes);
    let one_group = check(Backend::Gpu, "fib_loop, one group", &program, &jobs, &small_lanes());
    assert!(lanes(&b).dispatches > lanes(&one_group).dispatches, "{:?}", b.lanes);
    // No room for a lane: every job runs on the CPU.
    let none = BatchConfig { lanes: LaneConfig { max_bytes: 4356 * 32, ..small_lanes().lanes }, ..small_lanes() };
    let b = check(Backend::Gpu, "fib_loop, no room", &program, &jobs, &none);
    assert_eq!((lanes(&b).count(Stop::NotPlaced), lanes(&b).gpu_steps), (5, 0), "{:?}", b.lanes);
    // The job's own step limit: the same error on the GPU as on the CPU.
    let limited = BatchConfig { steps_limit: Some(150), ..small_lanes() };
    let b = check(Backend::Gpu, "fib_loop, step limit", &program, &jobs, &limited);
    assert!(b.runs.iter().all(|r| r.is_err()), "every job exceeds 150 steps");
}

#[test]
fn lanes_fall_back_at_hints_and_errors() {
    let Some(_) = gpu::context_or_skip("lanes_fall_back_at_hints_and_errors") else {
        return;
    };
    // sum_array calls assert_nn (a hint) on each element; a negative one fails it.
    let program = load("entry");
    let jobs: Vec<Job> = (0..4)
        .map(|i| {
            Job::entry(
                "sum_array",
                vec![
                    Arg::Array(felts_raw(&[3, i, 5]).into_iter().chain([-Felt::from(i)]).collect()),
                    Arg::Felt(Felt::from(4)),
                ],
            )
        })
        .chain([Job::entry("add_mul", felts(&[1, 2])), Job::entry("nope", vec![])])
        .collect();
    let b = check(Backend::Gpu, "entry, hints", &program, &jobs, &small_lanes());
    assert_eq!(lanes(&b).count(Stop::Hint), 4, "{:?}", b.lanes);
    assert!(b.runs[0].is_ok() && b.runs[1].is_err(), "-0 passes assert_nn, -1 fails it");
    assert!(b.runs[4].is_err() && b.runs[5].is_err(), "bad arguments and entry points fail before the lanes");
}

#[test]
fn random_batches_match_the_cpu_vm() {
    let Some(_) = gpu::context_or_skip("random_batches_match_the_cpu_vm") else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(16);
    let programs = [load("fib_loop"), load("jumps"), load("recursion"), load("field_mul")];
    let entries = ["fib", "count_down", "rfib", "powchain"];
    // Lane counts around the workgroup (64) and the warp (32).
    for n in [0usize, 1, 31, 33, 65] {
        let p = rng.random_range(0..programs.len());
        let jobs: Vec<Job> = (0..n)
            .map(|_| {
                let x = rng.random_range(-3i64..30);
                let args = match p {
                    0 => felts(&[rng.random_range(0..1000), x, rng.random_range(0..25)]),
                    1 => felts(&[x]),
                    2 => felts(&[rng.random_range(0..12)]),
                    _ => felts(&[x, rng.random_range(1..1 << 40), rng.random_range(0..20)]),
                };
                Job::entry(entries[p], args)
            })
            .collect();
        let cfg = BatchConfig {
            steps_limit: Some(rng.random_range(200..5000)),
            lanes: LaneConfig { dispatch_steps: rng.random_range(16..2000), ..small_lanes().lanes },
        };
        let b = check(Backend::Gpu, entries[p], &programs[p], &jobs, &cfg);
        let l = lanes(&b);
        assert!(l.efficiency() > 0.0 && l.efficiency() <= 1.0, "{l:?}");
    }
}

/// One instruction word: offsets and the 15 flag bits (see `vm::decode`).
fn ins(off0: i64, off1: i64, off2: i64, flags: u64) -> String {
    let b = |o: i64| (o + (1 << 15)) as u64;
    format!("{:#x}", b(off0) | b(off1) << 16 | b(off2) << 32 | flags << 48)
}

/// A hand-made `main{bitwise_ptr, poseidon_ptr}`: writes `x, y` into a
/// bitwise instance and `a, b, c` into a poseidon one, then reads every
/// output cell, so they are deduced (bitwise by the lane, poseidon by the
/// lanes' poseidon pass).
fn builtin_program(x: &Felt, y: &Felt, abc: [u64; 3]) -> String {
    const PUSH_IMM: u64 = 0x4806; // [ap] = imm; ap++ (op0 = [fp - 1])
    const STORE: u64 = 0x4002; // [ap - 1] = [[fp + off1] + off2]
    const LOAD: u64 = 0x4802; // [ap] = [[fp + off1] + off2]; ap++
    let mut data = Vec::new();
    let mut instance = |ptr: i64, inputs: Vec<String>, outputs: i64| {
        let n = inputs.len() as i64;
        for (i, v) in inputs.into_iter().enumerate() {
            data.extend([ins(0, -1, 1, PUSH_IMM), v, ins(-1, ptr, i as i64, STORE)]);
        }
        for i in 0..outputs {
            data.push(ins(0, ptr, n + i, LOAD));
        }
    };
    instance(-4, vec![format!("{x:#x}"), format!("{y:#x}")], 3);
    instance(-3, abc.iter().map(|v| format!("{v:#x}")).collect(), 3);
    data.push("0x208b7fff7fff7ffe".into()); // ret
    let data: Vec<String> = data.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        r#"{{"prime":"0x800000000000011000000000000000000000000000000000000000000000001","data":[{}],"builtins":["bitwise","poseidon"],"hints":{{}},"identifiers":{{"__main__.main":{{"pc":0,"type":"function"}}}},"reference_manager":{{"references":[]}}}}"#,
        data.join(",")
    )
}

#[test]
fn bitwise_and_poseidon_run_in_the_lanes() {
    let Some(_) = gpu::context_or_skip("bitwise_and_poseidon_run_in_the_lanes") else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(7);
    let two_251 = Felt::from(2u64).pow(251u128);
    for case in 0..4 {
        let limb = |rng: &mut StdRng| Felt::from(rng.random::<u128>()) * Felt::from(rng.random::<u64>() >> 2);
        let (x, y) = match case {
            0 => (Felt::from(0xff00ffu64), Felt::from(0x0ff0f0u64)),
            3 => (two_251 + Felt::from(5u64), Felt::from(1u64)), // x exceeds 251 bits: an error
            _ => (limb(&mut rng), limb(&mut rng)),
        };
        let program = Program::from_json(&builtin_program(&x, &y, [rng.random(), 7, case])).unwrap();
        let b = check(Backend::Gpu, "bitwise and poseidon", &program, &[Job::main(), Job::main()], &small_lanes());
        let l = lanes(&b);
        if case == 3 {
            assert!(b.runs.iter().all(|r| r.is_err()) && l.count(Stop::General) == 2, "{l:?}");
        } else {
            // 7 steps of bitwise, 6 writing poseidon's inputs, 3 reading its
            // outputs (each deduced on the device) and the return.
            assert_eq!((l.count(Stop::Finished), l.gpu_steps, l.poseidon_hashes), (2, 2 * 17, 6), "{l:?}");
        }
    }
}

/// A random cell value near the registers: small, negative and large felts
/// and pointers (into segments that exist and one that does not).
fn random_value(rng: &mut StdRng) -> Value {
    match rng.random_range(0..8) {
        0 => Value::Int(Fe::ZERO),
        1 | 2 => Value::Int(Fe::from_u64(rng.random_range(1..40))),
        3 => Value::Int(Fe::from_u64(rng.random_range(1..40)).neg()),
        4 => Value::Int(Fe::from_u64(rng.random()).mul(Fe::from_u64(rng.random()))),
        _ => Value::Rel(Relocatable::new(rng.random_range(0..5), rng.random_range(0..40))),
    }
}

/// A random valid Cairo 0 instruction word, offsets near the registers.
fn random_instruction(rng: &mut StdRng) -> u64 {
    loop {
        let word = match rng.random_range(0..10) {
            0 => 0x208b7fff7fff7ffe, // ret
            1 => 0x1104800180018000, // call rel
            _ => {
                let mut off = || (rng.random_range(-6i64..=6) + (1 << 15)) as u64;
                let (o0, o1, o2) = (off(), off(), off());
                let o2 = if rng.random_range(0..3) == 0 { 0x8001 } else { o2 }; // off2 = 1 for immediates
                o0 | o1 << 16 | o2 << 32 | rng.random_range(0u64..1 << 15) << 48
            }
        };
        if decode::decode(word).is_ok() {
            return word;
        }
    }
}

/// One random step per lane, on the GPU and on the CPU VM from the same
/// state: a lane that runs the step ends where the CPU VM does (registers
/// and every cell); a lane that declines it has changed nothing.
#[test]
fn random_single_steps_match_the_cpu_vm() {
    let Some(ctx) = gpu::context_or_skip("random_single_steps_match_the_cpu_vm") else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(1616);
    let (mut ran, mut declined, mut needless) = (0, 0, Vec::new());
    let builtins =
        [None, Some(Builtin::RangeCheck), Some(Builtin::Bitwise), Some(Builtin::Pedersen), Some(Builtin::Poseidon)];
    for builtin in builtins {
        let lanes = 300;
        let mut data = Vec::new();
        for _ in 0..lanes {
            data.push(Fe::from_u64(random_instruction(&mut rng)));
            data.push(random_value(&mut rng).as_int().unwrap_or(Fe::ONE));
        }
        let program = Program { data, builtins: vec![], main: 0, hints: vec![], functions: Default::default() };
        let starts: Vec<Paused> = (0..lanes)
            .map(|i| {
                let mut memory = Memory::new();
                for s in 0..4u32 {
                    memory.add_segment();
                    let n = if s == 0 { program.data.len() as u64 } else { rng.random_range(0..40) };
                    for off in 0..n {
                        let v = match s {
                            0 => Some(Value::Int(program.data[off as usize])),
                            3 => None, // the end segment
                            _ => (rng.random_range(0..4) != 0).then(|| random_value(&mut rng)),
                        };
                        if let Some(v) = v {
                            memory.insert(Relocatable::new(s, off), v).unwrap();
                        }
                    }
                }
                Paused {
                    memory,
                    pc: Relocatable::new(0, 2 * i),
                    ap: rng.random_range(0..44),
                    fp: rng.random_range(0..44),
                    steps: 0,
                    end: Relocatable::new(3, 0),
                    builtin_segments: builtin.map(|b| (b, 2)).into_iter().collect(),
                }
            })
            .collect();
        let cfg = LaneConfig { max_steps: 1, ..LaneConfig::default() };
        let (out, report) = vm_gpu::run_lanes(ctx, &program, starts.clone(), &cfg).unwrap();
        assert_eq!(out.len(), starts.len());
        for (i, ((gpu, stop), start)) in out.iter().zip(&starts).enumerate() {
            let want = match stop {
                Stop::StepLimit | Stop::Finished => {
                    ran += 1;
                    advance(&program, start.clone(), 1).unwrap_or_else(|e| {
                        panic!("lane {i} ({builtin:?}): the GPU ran a step the CPU VM rejects: {e}")
                    })
                }
                _ => {
                    declined += 1;
                    if advance(&program, start.clone(), 1).is_ok() {
                        needless.push(format!("{:#x} {stop:?}", program.data[2 * i].to_canonical()[0]));
                    }
                    start.clone()
                }
            };
            let at = format!("lane {i} ({builtin:?}, {:#x}, {stop:?})", program.data[2 * i].to_canonical()[0]);
            assert_eq!((gpu.pc, gpu.ap, gpu.fp, gpu.steps), (want.pc, want.ap, want.fp, want.steps), "{at}");
            assert_eq!(gpu.memory.num_segments(), want.memory.num_segments(), "{at}");
            for s in 0..want.memory.num_segments() {
                assert_eq!(gpu.memory.segment_cells(s), want.memory.segment_cells(s), "{at}: segment {s}");
            }
        }
        assert!(report.gpu_steps > 0, "{report:?}");
    }
    // Most random states make the CPU VM fail too (unknown operands, pointer
    // arithmetic it refuses); the lanes decline those, and almost nothing else.
    assert!(ran >= 200 && declined > 0, "ran {ran}, declined {declined}");
    assert!(needless.len() * 50 <= declined, "declined although the CPU VM runs them: {needless:?}");
}
