//! `wavelane info`: placeholder, filled in below.
use clap::Args;

/// Arguments of `wavelane info`.
#[derive(Args)]
pub struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `wavelane info`.
pub fn run(_args: InfoArgs) -> anyhow::Result<()> {
    Ok(())
}
