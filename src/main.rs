use std::process::ExitCode;

use clap::Parser;
use engfeed::cli::Cli;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    engfeed::telemetry::init(cli.log_format);
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
