//! The GPU trie backend (interim: one hash batch per level).

use super::store::NodeStore;
use super::update::Plan;
use super::{Trie, TrieError, UpdateStats};
use crate::backend::Backend;

/// Device-side state kept between blocks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Resident;

impl Resident {
    pub(crate) fn host_bytes(&self) -> usize {
        0
    }
}

impl<S: NodeStore> Trie<S> {
    pub(super) fn hash_gpu(&mut self, plan: Plan) -> Result<UpdateStats, TrieError> {
        let hash = self.hash;
        self.hash_cpu(plan, &mut |a, b, out| hash.hash_batch(Backend::Gpu, a, b, out).map_err(TrieError::from))
    }
}
