// Trie levels hashed with Pedersen (see trie_node).
//! include pedersen_core
//! include trie_node

@group(0) @binding(1) var<storage, read> table: array<Fe>; // x, y per entry

fn node_hash(x: Fe, y: Fe) -> Fe {
    return pedersen_pair(x, y, 7920u); // 31·255 + 15 entries per input
}
