use std::process::ExitCode;

use clap::Parser;

/// glibc's allocator kept every freed 19 MiB argon2 block in the arena of whichever blocking thread had run
/// it (its mmap threshold rises after the first large free): 265 MB peak after a burst of sign-ins against
/// 46 MB before. mimalloc returns large blocks to the system and is faster on small ones. See BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[expect(
    clippy::print_stderr,
    reason = "a command that cannot start or fails says why on the terminal, whatever the log settings"
)]
fn main() -> ExitCode {
    let cli = mde::cli::Cli::parse();
    mde::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Blocking threads run argon2 (one at a time, see `App::hashing`) and little else.
        .max_blocking_threads(16)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mde : impossible de démarrer / cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(mde::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mde : {e:#}");
            ExitCode::FAILURE
        }
    }
}
