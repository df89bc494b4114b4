//! `wavelane info`: placeholder, filled in below.
use clap::Args;

/// Arguments of `wavelane info`.
#[derive(Args)]
pub(crate) struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Runs `wavelane info`.
pub(crate) fn run(_args: InfoArgs) -> anyhow::Result<()> {
    Ok(())
}
