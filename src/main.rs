use std::process::ExitCode;

use clap::Parser;
use engfeed::cli::{Cli, config_file};

#[actix_web::main]
async fn main() -> ExitCode {
    // The configuration file's settings join the command line before clap reads it.
    let args = match config_file::apply(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let cli = Cli::parse_from(args);
    let _log_writer = engfeed::telemetry::init(cli.log_format);
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
