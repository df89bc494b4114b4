//! The store side of [`BlockExecutor`]: opening over a store (the state
//! loaded, or with a RAM tier its records loaded and its tries paged), and
//! a block's run over the RAM tier.

use super::*;

impl BlockExecutor {
    /// An executor over the state in `store`: the state is loaded into
    /// memory with its tries (rebuilt by one commit of the whole state, and
    /// written back, when the store's are not whole), the root checked
    /// against the store's last block, and each block from then on written
    /// to the store in one transaction, with the trie nodes it changed. An
    /// empty store starts at block 0.
    #[cfg(feature = "store")]
    pub fn open(config: ExecutorConfig, store: crate::store::Store) -> Result<BlockExecutor, BlockError> {
        let mut exec = BlockExecutor::new(config)?;
        let fail = |block: u64, e: &dyn std::fmt::Display| BlockError::Store { block, message: e.to_string() };
        exec.tries.keep_journal();
        if let Some(budget) = exec.config.ram_budget {
            #[cfg(feature = "gpu")]
            if exec.runs_on_device() {
                let message = "a RAM budget does not combine with GPU residency (the gpu backend in the waves and \
                               optimistic modes): the device table is filled from the state in memory"
                    .to_string();
                return Err(BlockError::Store { block: 0, message });
            }
            // A third for cells, two for trie nodes (about three per leaf).
            exec.cells = Some(crate::store::CellCache::new(budget / 3));
        }
        let mut rebuilt = false;
        if let Some((last, root)) = store.last_block().map_err(|e| fail(0, &e))? {
            let _span = trace::span("store.load");
            let node_budget = exec.config.ram_budget.map(|b| b - b / 3);
            // With a RAM tier: the records alone and the tries paged, when
            // the stored tries are whole.
            if let Some(budget) = node_budget {
                let records = store.load_records().map_err(|e| fail(last, &e))?;
                if let Some(mut paged) = store.load_tries_paged(&records).map_err(|e| fail(last, &e))? {
                    paged.keep_journal();
                    exec.tries = Tries::Paged(paged, budget);
                    exec.state = records;
                }
            }
            if !exec.tiered_tries() {
                let state = store.load().map_err(|e| fail(last, &e))?;
                let tries = store.load_tries_over(&state).map_err(|e| fail(last, &e))?;
                match tries {
                    Some(mut tries) => {
                        tries.keep_journal();
                        exec.tries = Tries::Mem(tries);
                    }
                    None => {
                        // Not whole: rebuilt by one commit of the whole
                        // state, and written back when they agree.
                        let (pool, tries) = (&exec.pool, &mut exec.tries);
                        let diff = state.to_diff();
                        let (roots, _) = pool
                            .install(|| {
                                tries.commit(exec.config.backend, &MemState::new(), &diff, exec.config.version, None)
                            })
                            .map_err(|source| BlockError::Commit { block: last, source })?;
                        if roots.global == root {
                            store.write_tries(&tries.take_changes([&diff])).map_err(|e| fail(last, &e))?;
                        }
                        rebuilt = true;
                    }
                }
                exec.state = state;
                if let (Some(budget), true) = (node_budget, exec.tries.roots(exec.config.version).global == root) {
                    // The RAM tier pages the tries just written back.
                    let records = store.load_records().map_err(|e| fail(last, &e))?;
                    let mut paged = store
                        .load_tries_paged(&records)
                        .map_err(|e| fail(last, &e))?
                        .ok_or_else(|| fail(last, &"the stored tries are not whole"))?;
                    paged.keep_journal();
                    exec.tries = Tries::Paged(paged, budget);
                    exec.state = records;
                }
            }
            let got = exec.tries.roots(exec.config.version).global;
            if got != root {
                let what = if rebuilt { "state rebuilt from the store has" } else { "stored tries have" };
                let message = format!(
                    "{}: the {what} root {got:#x}, but block {last} recorded {root:#x}",
                    store.path().display()
                );
                return Err(BlockError::Store { block: last, message });
            }
            if let Some(cells) = exec.cells.as_mut() {
                // The cells the state tables lack stay in memory until the
                // next folding.
                for (_, diff) in store.unfolded().map_err(|e| fail(last, &e))? {
                    cells.pin(diff.storage.iter().flat_map(|(a, c)| c.iter().map(|(k, v)| ((*a, *k), *v))), true);
                }
            }
            exec.next_block = last + 1;
            exec.root = root;
        } else if let Some(budget) = exec.config.ram_budget {
            // An empty store: the tries start empty, paged from its tables.
            let mut paged = store.empty_tries_paged();
            paged.keep_journal();
            exec.tries = Tries::Paged(paged, budget - budget / 3);
        }
        exec.store = Some(store);
        Ok(exec)
    }

    /// A committed diff into the state: all of it, or with a RAM tier the
    /// records into memory and the cells (with the block's faults) into
    /// the cache, which then evicts to its budget.
    pub(super) fn apply(&mut self, diff: &StateDiff, faults: Faults, folded: bool) -> Option<CacheStats> {
        let _s = trace::span("apply");
        #[cfg(feature = "store")]
        if let Some(cells) = self.cells.as_mut() {
            self.state.apply_records(diff);
            let writes = diff.storage.iter().flat_map(|(a, c)| c.iter().map(|(k, v)| ((*a, *k), *v)));
            return Some(cells.settle(faults.unwrap_or_default(), writes, folded));
        }
        let _ = (faults, folded);
        self.state.apply_diff(diff).expect("memory writes never fail");
        None
    }

    /// Runs `block` on the CPU over the RAM tier, when the executor has
    /// one: its output, counters, diff and faults (`None` without a tier).
    /// A disk read that failed refuses the block.
    #[cfg(feature = "store")]
    pub(super) fn run_tiered<T: Transaction>(
        &self,
        block: &[T],
        number: u64,
        seconds: &mut StageSeconds,
    ) -> Result<Option<(BlockOutput, RunCounters, StateDiff, Faults)>, BlockError> {
        let (Some(store), Some(cells)) = (&self.store, &self.cells) else { return Ok(None) };
        let fail = |e: crate::store::StoreError| BlockError::Store { block: number, message: e.to_string() };
        let read = crate::store::TierRead::new(store, cells, &self.state).map_err(fail)?;
        if let Some(sets) = block.iter().map(Transaction::declared).collect::<Option<Vec<_>>>() {
            let _s = trace::span("tier.prefetch");
            let fees = self.sink.cells().iter().copied();
            read.prefetch(sets.into_iter().flat_map(|s| s.reads.into_iter().chain(s.writes)).chain(fees));
        }
        let (config, sink) = (&self.config, &self.sink);
        let t = Instant::now();
        let (output, counters) = {
            let _s = trace::span("execute");
            self.pool
                .install(|| execute_with_fees(config.mode, &config.block_stm, &read, block, sink))
                .map_err(|source| BlockError::Schedule { block: number, source })?
        };
        seconds.schedule = counters.schedule;
        seconds.execute = t.elapsed().as_secs_f64() - counters.schedule;
        let t = Instant::now();
        let diff = {
            let _s = trace::span("diff");
            output.to_diff(&read)
        };
        seconds.diff = t.elapsed().as_secs_f64();
        let faults = read.finish().map_err(fail)?;
        Ok(Some((output, counters, diff, Some(faults))))
    }

    #[cfg(not(feature = "store"))]
    pub(super) fn run_tiered<T: Transaction>(
        &self,
        _: &[T],
        _: u64,
        _: &mut StageSeconds,
    ) -> Result<Option<(BlockOutput, RunCounters, StateDiff, Faults)>, BlockError> {
        Ok(None)
    }

    /// Whether the tries are paged from the store (the RAM tier).
    #[cfg(feature = "store")]
    fn tiered_tries(&self) -> bool {
        matches!(self.tries, Tries::Paged(..))
    }
}
