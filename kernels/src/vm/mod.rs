//! The Cairo 0 (Stone) VM on the CPU: the reference the GPU VM is checked
//! against, and agreeing with `cairo-vm` on registers, step count, relocated
//! memory and trace.
//!
//! A run goes: load the compiled JSON ([`program`]: bytecode, builtins,
//! hints, entry point `__main__.main` and the other functions), check the
//! builtins against a [`layout`], lay out the segments and the initial stack
//! as cairo-vm does for `main` ([`mod@run`]) or for another function with
//! arguments ([`entry`]), then loop until pc reaches
//! the end pointer: hints at pc ([`hints`]), the instruction at pc decoded
//! once and cached ([`decode`]), operands read from segmented write-once
//! memory ([`memory`]) or deduced — first by a builtin ([`builtins`], whose
//! hashes sit behind [`hash_glue`]), then from the instruction — and the
//! register updates; the common instructions take a fast path on packed
//! cells (`fast.rs`). After the run, [`relocate`] flattens memory and the
//! trace. Every failure is a [`VmError`] naming pc and step ([`error`]).
//!
//! [`batch`] runs many runs of one program on a backend: the CPU VM on one
//! thread or across rayon's, or one GPU lane per run (`gpu/`,
//! `shaders/vm.wgsl`; pedersen and poseidon cells deduced by device passes
//! while their lanes wait), each lane that stops early (a hint, a full
//! segment, its step budget, an ec_op or keccak cell) finished on the CPU
//! VM from the state it stopped in ([`Paused`], [`resume`]).
//!
//! ```no_run
//! use wavelane_kernels::vm::{Program, RunConfig, run};
//! let program = Program::from_file("tests/cairo/fib_loop.json".as_ref())?;
//! let r = run(&program, &RunConfig::default())?;
//! println!("{} steps, final {:?}", r.steps, r.relocated_registers());
//! # Ok::<(), wavelane_kernels::vm::VmError>(())
//! ```

pub mod batch;
pub mod builtins;
pub mod decode;
pub mod entry;
pub mod error;
mod fast;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod hash_glue;
pub mod hints;
pub mod layout;
pub mod memory;
pub mod pause;
pub mod program;
pub mod relocate;
pub mod run;

pub use batch::{run_batch, Batch, BatchConfig, Job, LaneConfig, LaneReport, Stop};
pub use builtins::Builtin;
pub use entry::{run_entry, start_entry, Arg};
pub use error::{At, VmError};
pub use layout::Layout;
pub use memory::{Memory, Relocatable, Value};
pub use pause::{advance, resume, start_main, Paused};
pub use program::{Function, Program};
pub use relocate::RelocatedEntry;
pub use run::{run, Run, RunConfig, TraceEntry};
