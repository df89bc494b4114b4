//! `bench schedule`: serial execution against declared waves, the declared
//! dependency graph, Block-STM and optimistic waves on one workload, in the
//! same run. Every mode's result is checked against the serial one before
//! its figure counts. A `ceiling`
//! figure (every transaction against the pre-block state in parallel,
//! conflicts ignored) shows what the cores of the machine allow at all.
//! Each parallel mode's runs alternate with serial runs, and its ratio is
//! against the best of those ("serial (paired)"), not against the serial
//! figure taken at the start: on a shared machine the two would otherwise
//! see different conditions.

use super::{best_of, best_of_paired, on_threads, Measurement, Reporter};
use crate::host::exec::{execute_serial, BlockOutput, Blocked, StateKey, StateView, Transaction};
use crate::host::schedule::blockstm::{execute_block_stm, BlockStmConfig};
use crate::host::schedule::dag::{execute_dag, Graph};
use crate::host::schedule::optimistic::{execute_optimistic, CpuWaves};
use crate::host::schedule::waves::{declared_sets, execute_waves, plan};
use crate::host::state::{MemState, StateRead};
use crate::workload::{generate, Spec};
use crate::Felt;
use rayon::prelude::*;
use serde::Serialize;
use std::time::Duration;

/// A parallel mode `bench schedule` can measure (serial execution and the
/// planning of declared waves are always measured).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every transaction against the pre-block state, conflicts ignored.
    Ceiling,
    /// Declared waves, planned and executed.
    Waves,
    /// The declared dependency graph.
    Dag,
    /// Block-STM.
    BlockStm,
    /// Optimistic waves.
    Optimistic,
}

impl Mode {
    /// Every mode, in the order they are measured.
    pub const ALL: [Mode; 5] = [Mode::Ceiling, Mode::Waves, Mode::Dag, Mode::BlockStm, Mode::Optimistic];

    /// The name on the command line and in the `backend` field.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Ceiling => "ceiling",
            Mode::Waves => "waves",
            Mode::Dag => "dag",
            Mode::BlockStm => "block-stm",
            Mode::Optimistic => "optimistic",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown mode {s:?} (expected ceiling, waves, dag, block-stm or optimistic)"))
    }
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct ScheduleParams {
    /// The workload.
    pub spec: Spec,
    /// Thread counts to measure the parallel modes at (a scaling curve).
    pub threads: Vec<usize>,
    /// The parallel modes to measure.
    pub modes: Vec<Mode>,
    /// Time spent on each figure.
    pub budget: Duration,
}

/// Counts that go with the figures: waves, validations, re-executions,
/// planning cost. A mode that was not measured leaves its counts `None`
/// (`null` in JSON).
#[derive(Clone, Debug, Serialize)]
pub struct ScheduleStats {
    /// The workload's name.
    pub workload: String,
    /// Transactions in the block.
    pub txs: usize,
    /// Accounts of the workload.
    pub accounts: usize,
    /// Waves of the declared-set schedule.
    pub declared_waves: usize,
    /// Edges of the declared conflict graph (transaction, direct
    /// predecessor).
    pub declared_edges: usize,
    /// Planning the declared waves, as a percentage of serial execution.
    pub planning_percent_of_serial: f64,
    /// Block-STM validations (at the largest thread count).
    pub blockstm_validations: Option<u64>,
    /// Block-STM re-executions (at the largest thread count).
    pub blockstm_re_executions: Option<u64>,
    /// Block-STM executions parked on an ESTIMATE.
    pub blockstm_suspensions: Option<u64>,
    /// Optimistic waves executed.
    pub optimistic_waves: Option<u64>,
    /// Optimistic validations.
    pub optimistic_validations: Option<u64>,
    /// Optimistic re-executions.
    pub optimistic_re_executions: Option<u64>,
    /// Optimistic executions of dependents betting on unsettled values.
    pub optimistic_speculative: Option<u64>,
    /// Of those, bets lost (executions wasted).
    pub optimistic_lost_bets: Option<u64>,
}

/// A base-state view for [`ceiling`].
struct Base<'a>(&'a MemState);

impl StateView for Base<'_> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        Ok(self.0.get(key))
    }
}

/// Every transaction against the pre-block state in parallel, nothing
/// committed: what the machine's cores allow with no scheduling at all (an
/// upper bound for every mode; not a valid block result).
fn ceiling<T: Transaction>(state: &MemState, block: &[T]) -> usize {
    block.par_iter().map(|t| t.execute(&mut Base(state)).map_or(0, |o| o.writes.len())).sum()
}

fn check(mode: &str, got: &BlockOutput, serial: &BlockOutput) -> anyhow::Result<()> {
    anyhow::ensure!(got == serial, "{mode} differs from serial execution");
    Ok(())
}

/// Measures every mode on `params.spec` and reports the figures.
pub fn run(params: &ScheduleParams, reporter: &mut Reporter) -> anyhow::Result<ScheduleStats> {
    let w = generate(&params.spec);
    let (state, block) = (&w.state, &w.block[..]);
    let n = block.len() as u64;
    let name = format!("schedule.{}", params.spec.kind.name());
    let budget = params.budget;

    reporter.step("serial");
    let serial = execute_serial(state, block);
    let t_serial = best_of(budget, 3, || {
        std::hint::black_box(execute_serial(state, block));
    });
    let base = Measurement::new(&name, "serial", n, 1, t_serial);
    reporter.push(base.clone());

    reporter.step("declared waves: planning");
    let sets = declared_sets(block)?;
    let waves = plan(&sets);
    let t_plan = best_of(budget, 3, || {
        std::hint::black_box(plan(&sets));
    });
    reporter.push(Measurement::new(&name, "waves.plan", n, 1, t_plan).against(&base).scope("planning only"));

    let mut stats = ScheduleStats {
        workload: params.spec.kind.name().into(),
        txs: block.len(),
        accounts: params.spec.accounts,
        declared_waves: waves.len(),
        declared_edges: Graph::build(&sets).edges(),
        planning_percent_of_serial: 100.0 * t_plan / t_serial,
        blockstm_validations: None,
        blockstm_re_executions: None,
        blockstm_suspensions: None,
        optimistic_waves: None,
        optimistic_validations: None,
        optimistic_re_executions: None,
        optimistic_speculative: None,
        optimistic_lost_bets: None,
    };
    // Each parallel mode is timed alternately with serial runs (which use
    // one thread of the pool), and its ratio is to the best of those: the
    // pairs see the same machine conditions.
    let paired = |name: &str, mode: &str, threads: usize, f: &mut dyn FnMut()| {
        let (t_base, t) = best_of_paired(
            budget,
            3,
            || {
                std::hint::black_box(execute_serial(state, block));
            },
            f,
        );
        let base = Measurement::new(name, "serial (paired)", n, 1, t_base);
        Measurement::new(name, mode, n, threads, t).against(&base)
    };
    for &threads in &params.threads {
        on_threads(threads, || -> anyhow::Result<()> {
            for &mode in &params.modes {
                let name = name.as_str();
                let m = match mode {
                    Mode::Ceiling => {
                        reporter.step(&format!("ceiling, {threads} threads"));
                        paired(name, mode.name(), threads, &mut || {
                            std::hint::black_box(ceiling(state, block));
                        })
                        .scope("no conflicts honoured")
                    }
                    Mode::Waves => {
                        reporter.step(&format!("declared waves, {threads} threads"));
                        check("declared waves", &execute_waves(state, block, &sets, &waves)?, &serial)?;
                        paired(name, mode.name(), threads, &mut || {
                            let waves = plan(&sets);
                            std::hint::black_box(execute_waves(state, block, &sets, &waves).expect("checked"));
                        })
                        .scope("plan+execute")
                    }
                    Mode::Dag => {
                        reporter.step(&format!("declared graph, {threads} threads"));
                        check("declared graph", &execute_dag(state, block, &sets)?, &serial)?;
                        paired(name, mode.name(), threads, &mut || {
                            std::hint::black_box(execute_dag(state, block, &sets).expect("checked"));
                        })
                        .scope("declared graph, build+execute")
                    }
                    Mode::BlockStm => {
                        reporter.step(&format!("Block-STM, {threads} threads"));
                        let config = BlockStmConfig::default();
                        let (out, s) = execute_block_stm(state, block, &config);
                        check("Block-STM", &out, &serial)?;
                        stats.blockstm_validations = Some(s.validations);
                        stats.blockstm_re_executions = Some(s.re_executions(block.len()));
                        stats.blockstm_suspensions = Some(s.suspensions);
                        paired(name, mode.name(), threads, &mut || {
                            std::hint::black_box(execute_block_stm(state, block, &config));
                        })
                    }
                    Mode::Optimistic => {
                        reporter.step(&format!("optimistic waves, {threads} threads"));
                        let (out, s) = execute_optimistic(state, block, &CpuWaves);
                        check("optimistic waves", &out, &serial)?;
                        stats.optimistic_waves = Some(s.waves);
                        stats.optimistic_validations = Some(s.validations);
                        stats.optimistic_re_executions = Some(s.re_executions(block.len()));
                        stats.optimistic_speculative = Some(s.speculative);
                        stats.optimistic_lost_bets = Some(s.lost_bets);
                        paired(name, mode.name(), threads, &mut || {
                            std::hint::black_box(execute_optimistic(state, block, &CpuWaves));
                        })
                    }
                };
                reporter.push(m);
            }
            Ok(())
        })?;
    }
    Ok(stats)
}
