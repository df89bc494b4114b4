//! WGSL composition: kernels live in `kernels/shaders/<name>.wgsl`; a line
//! `//! include <other>` pulls in `<other>.wgsl` once (the shared
//! field code is written once, not pasted per shader).

use std::collections::HashSet;

/// Every shader source, embedded at build time.
const SOURCES: &[(&str, &str)] = &[
    ("field", include_str!("../../shaders/field.wgsl")),
    ("field_ops", include_str!("../../shaders/field_ops.wgsl")),
    ("poseidon_core", include_str!("../../shaders/poseidon_core.wgsl")),
    ("poseidon", include_str!("../../shaders/poseidon.wgsl")),
    ("pedersen_core", include_str!("../../shaders/pedersen_core.wgsl")),
    ("pedersen", include_str!("../../shaders/pedersen.wgsl")),
    ("trie_node", include_str!("../../shaders/trie_node.wgsl")),
    ("trie_pedersen", include_str!("../../shaders/trie_pedersen.wgsl")),
    ("trie_poseidon", include_str!("../../shaders/trie_poseidon.wgsl")),
    ("vm_lane", include_str!("../../shaders/vm_lane.wgsl")),
    ("vm", include_str!("../../shaders/vm.wgsl")),
    ("vm_pedersen", include_str!("../../shaders/vm_pedersen.wgsl")),
    ("vm_poseidon", include_str!("../../shaders/vm_poseidon.wgsl")),
    ("native", include_str!("../../shaders/native.wgsl")),
    ("native_table", include_str!("../../shaders/native_table.wgsl")),
];

/// The raw source of `shaders/<name>.wgsl`.
pub fn source(name: &str) -> Option<&'static str> {
    SOURCES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// `shaders/<name>.wgsl` with every include expanded once, in dependency order.
pub fn compose(name: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut seen = HashSet::new();
    expand(name, &mut seen, &mut out)?;
    Ok(out)
}

fn expand(name: &str, seen: &mut HashSet<String>, out: &mut String) -> Result<(), String> {
    if !seen.insert(name.to_string()) {
        return Ok(());
    }
    let src = source(name).ok_or_else(|| format!("no shader `shaders/{name}.wgsl`"))?;
    let mut body = String::new();
    for line in src.lines() {
        match line.trim().strip_prefix("//! include ") {
            Some(dep) => expand(dep.trim(), seen, out)?,
            None => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out.push_str(&format!("// ---- shaders/{name}.wgsl ----\n"));
    out.push_str(&body);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn includes_expand_once() {
        let s = super::compose("field_ops").unwrap();
        assert_eq!(s.matches("// ---- shaders/field.wgsl ----").count(), 1);
        assert!(s.contains("fn fe_mul"));
        assert!(super::compose("nope").is_err());
    }
}
