//! The `wavelane` command-line tool.
fn main() {}
