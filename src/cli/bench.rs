//! `wavelane bench`: placeholder, filled in below.
use clap::Args;

/// Arguments of `wavelane bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Print one JSON object per measurement.
    #[arg(long)]
    pub json: bool,
}

/// Runs `wavelane bench`.
pub fn run(_args: BenchArgs) -> anyhow::Result<()> {
    Ok(())
}
