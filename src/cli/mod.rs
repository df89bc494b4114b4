//! Subcommands of the `wavelane` binary, one module each.

pub(crate) mod bench;
pub(crate) mod cairo;
pub(crate) mod commit;
pub(crate) mod hash;
pub(crate) mod info;
pub(crate) mod residency;
pub(crate) mod run;
pub(crate) mod state;
pub(crate) mod trace;
pub(crate) mod trie;

/// Bad input (a malformed line, a value ≥ p, …): exit status 2.
#[derive(Debug)]
pub(crate) struct InputError(pub(crate) String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// The process exit status for an error: 2 for bad input, 1 otherwise.
pub(crate) fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<InputError>().is_some() {
        2
    } else {
        1
    }
}
