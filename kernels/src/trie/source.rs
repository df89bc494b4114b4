//! [`LeafSource`]: new leaf values that already sit on the device.
//!
//! A block's storage writes often end up in a device buffer before the
//! commit (a resident state table the block ran over). A GPU update given
//! a leaf source reads those leaves' new values from that buffer instead of
//! uploading them: per leaf only its 16-byte job goes up. The writes still
//! carry their values, which the host's node store keeps; every CPU path
//! (and the CPU finishing a failed GPU update) ignores the source.

use super::store::NodeId;
use starknet_types_core::felt::Felt;
use std::collections::HashMap;

/// A device buffer a [`LeafSource`] names: `wgpu::Buffer`.
#[cfg(feature = "gpu")]
pub use wgpu::Buffer as DeviceBuffer;

/// Stands in for `wgpu::Buffer` in a build without the `gpu` feature: it
/// has no values, so no [`LeafSource`] can be made and every update hashes
/// what the writes carry.
#[cfg(not(feature = "gpu"))]
#[derive(Debug)]
pub enum DeviceBuffer {}

/// The closure a [`LeafSource`] maps a written cell with:
/// `(tree, key) → Some(slot)` when `buffer[slot]` holds its new value.
/// Called on the host, once for each leaf the update sets or creates.
pub type SlotOf<'a> = dyn Fn(&Felt, &Felt) -> Option<u32> + Sync + 'a;

/// Where the GPU reads some leaves' new values: a device buffer of
/// [`crate::Fe`] (Montgomery form) and, per tree and key, a slot in it.
///
/// `buffer[slot]` must hold exactly the value the batch's last write to
/// that (tree, key) carries, by the time the update's passes run (queue
/// order: a write submitted before the update counts). The buffer must be
/// a storage buffer of the process's GPU context, from one `Fe` up to the
/// device's storage binding size: one that is not is ignored, as is a slot
/// past its end, and those values are uploaded as usual. Deletes (value 0)
/// make no leaf and read nothing; nor does a write that leaves a value as
/// it was.
#[derive(Clone, Copy)]
pub struct LeafSource<'a> {
    /// The values, one `Fe` (32 bytes) per slot.
    pub buffer: &'a DeviceBuffer,
    /// The slot holding `(tree, key)`'s new value, if any.
    pub slot: &'a SlotOf<'a>,
}

impl std::fmt::Debug for LeafSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeafSource").field("buffer", self.buffer).finish_non_exhaustive()
    }
}

/// A source resolved for one update: the buffer and the slot of each
/// written leaf (by node id) that has one.
pub(crate) struct LeafSlots<'a> {
    pub(crate) buffer: &'a DeviceBuffer,
    // Read by the GPU backend only.
    #[cfg_attr(not(feature = "gpu"), allow(dead_code))]
    pub(crate) slots: HashMap<NodeId, u32>,
}
