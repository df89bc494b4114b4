//! The GPU trie backend in a build without the `gpu` feature: a trie has no
//! device copy, and hashing on the GPU fails with
//! [`crate::gpu::NOT_BUILT`].

use super::source::LeafSlots;
use super::store::NodeStore;
use super::update::Plan;
use super::{Trie, TrieError, UpdateStats};
use crate::gpu::{GpuError, NOT_BUILT};

/// A device copy, which this build never has.
#[derive(Debug)]
pub(crate) enum Resident {}

impl Resident {
    /// Host memory held for the device copy.
    pub(crate) fn host_bytes(&self) -> usize {
        match *self {}
    }
}

/// A trie's device copy: always `None` here.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeviceCopy(pub(crate) Option<Resident>);

impl Clone for Resident {
    fn clone(&self) -> Self {
        match *self {}
    }
}

impl<S: NodeStore> Trie<S> {
    /// Fails: the GPU backend is not built. The planned hashes stay pending
    /// for the next update on a CPU backend. (No source can exist here.)
    pub(super) fn hash_gpu(&mut self, plan: Plan, source: Option<&LeafSlots<'_>>) -> Result<UpdateStats, TrieError> {
        if let Some(s) = source {
            match *s.buffer {}
        }
        self.pending = Some(plan);
        Err(GpuError::Unavailable(NOT_BUILT.to_string()).into())
    }
}

impl<S: NodeStore> Trie<S> {
    /// Bytes of device memory the resident copy holds: always 0 here.
    pub fn gpu_resident_bytes(&self) -> u64 {
        0
    }
}
