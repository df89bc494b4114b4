// Trie levels hashed with Poseidon (see trie_node).
//! include poseidon_core
//! include trie_node

@group(0) @binding(1) var<storage, read> rc: array<Fe>;

fn node_hash(x: Fe, y: Fe) -> Fe {
    return poseidon_pair(x, y);
}
