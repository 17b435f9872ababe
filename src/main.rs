//! `zoom-pac`: run the PAC API server, load data into it and mint tokens.

mod commands;
mod logging;

use std::process::ExitCode;

use clap::Parser;

use commands::Command;

/// Zoom's "List a user's PAC accounts" API: a faithful server, and tools around it.
#[derive(Debug, Parser)]
#[command(name = "zoom-pac", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.command.default_log_level());

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: failed to start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.command.run()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
