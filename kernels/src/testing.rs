//! Helpers for tests and benches that need hardware the machine may lack
//! (a GPU adapter, an instruction-set level): they skip with a line that
//! `cargo test` shows, or fail when the environment says the hardware must
//! be there.
//!
//! * `WAVELANE_REQUIRE_GPU=1`: a test that needs the GPU fails without an
//!   adapter ([`crate::gpu::context_or_skip`]).
//! * `WAVELANE_REQUIRE_SIMD=avx2|avx512`: a test that needs that level (or
//!   a lower one) fails on a CPU without it ([`simd_or_skip`]).
//!
//! The skip line is written straight to the process's standard error.
//! libtest captures only what the `print!`/`eprint!` family writes (it
//! swaps their target per test thread), so `eprintln!` from a passing test
//! is never shown; a write through the [`std::io::stderr`] handle is not
//! captured and appears in `cargo test`'s output beside the test results.

use crate::backend::SimdLevel;
use std::io::Write;

/// The environment variable naming the SIMD level tests must find.
pub const REQUIRE_SIMD_ENV: &str = "WAVELANE_REQUIRE_SIMD";

/// Writes `SKIPPED: {what}: {why}` to standard error, past libtest's capture.
pub fn skip(what: &str, why: &str) {
    let line = format!("SKIPPED: {what}: {why}\n");
    // A failed write to stderr has nowhere better to be reported.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Whether a test of `level` kernels can run: `true` when the CPU has
/// `level`; otherwise it panics if `WAVELANE_REQUIRE_SIMD` names `level` or
/// a higher one, and else writes a visible skip line and returns `false`.
pub fn simd_or_skip(level: SimdLevel, what: &str) -> bool {
    let required = std::env::var(REQUIRE_SIMD_ENV).ok();
    match simd_verdict(level, level.available(), required.as_deref()) {
        Verdict::Run => true,
        Verdict::Skip(why) => {
            skip(what, &why);
            false
        }
        Verdict::Fail(why) => panic!("{what}: {why}"),
    }
}

/// What a test needing a SIMD level does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The hardware is there: run.
    Run,
    /// Skip, for this reason.
    Skip(String),
    /// Fail, for this reason (the environment requires the hardware).
    Fail(String),
}

/// The verdict for a test of `level` kernels on a CPU that has (`available`)
/// or lacks it, with `WAVELANE_REQUIRE_SIMD` set to `required`.
pub fn simd_verdict(level: SimdLevel, available: bool, required: Option<&str>) -> Verdict {
    if available {
        return Verdict::Run;
    }
    let lacks = format!("this CPU lacks {}", level.describe());
    let want = match required {
        None => return Verdict::Skip(lacks),
        Some("portable") => SimdLevel::Portable,
        Some("avx2") => SimdLevel::Avx2,
        Some("avx512") => SimdLevel::Avx512,
        Some(other) => return Verdict::Fail(format!("{REQUIRE_SIMD_ENV}=`{other}` is not portable, avx2 or avx512")),
    };
    if want >= level {
        Verdict::Fail(format!("{REQUIRE_SIMD_ENV}={} but {lacks}", want.name()))
    } else {
        Verdict::Skip(lacks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_simd_skips_unless_required() {
        use SimdLevel::{Avx2, Avx512};
        assert_eq!(simd_verdict(Avx512, true, Some("avx512")), Verdict::Run);
        assert_eq!(simd_verdict(Avx512, false, None), Verdict::Skip("this CPU lacks AVX-512 IFMA".into()));
        assert_eq!(
            simd_verdict(Avx512, false, Some("avx512")),
            Verdict::Fail("WAVELANE_REQUIRE_SIMD=avx512 but this CPU lacks AVX-512 IFMA".into())
        );
        assert!(matches!(simd_verdict(Avx512, false, Some("avx2")), Verdict::Skip(_)), "avx2 does not require avx512");
        assert!(matches!(simd_verdict(Avx2, false, Some("avx512")), Verdict::Fail(_)), "avx512 implies avx2");
        assert!(matches!(simd_verdict(Avx512, false, Some("sse")), Verdict::Fail(_)));
    }
}
