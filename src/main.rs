use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mde::cli::Cli::parse();
    mde::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
