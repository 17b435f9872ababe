//! `zoom-pac generate`: write a large deterministic fixture.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use zoom_pac_server::fixture::generate::{self, GenerateOptions};

/// Write a deterministic fixture with one account, many users and one app, for tests and
/// benchmarks. The same options always write the same file.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many users to generate.
    #[arg(long, value_name = "N")]
    pub users: usize,
    /// The seed of the generator.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// The generated account's id.
    #[arg(long, value_name = "ID", default_value = "genAccount")]
    pub account_id: String,
    /// Write the fixture to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    if args.users > generate::MAX_USERS {
        anyhow::bail!(
            "--users {} is too many: one generated account has at most {} users; generate several accounts with different --account-id values",
            args.users,
            generate::MAX_USERS
        );
    }
    let options = GenerateOptions {
        users: args.users,
        seed: args.seed,
        account_id: args.account_id.clone(),
    };
    let fixture = generate::generate(&options);
    let text = serde_json::to_string(&fixture).context("failed to encode the fixture")?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("failed to write {}", path.display()))?;
            eprintln!(
                "wrote {} users to {}; app client id {} and client secret {} on account {}",
                args.users,
                path.display(),
                generate::client_id(&args.account_id),
                generate::client_secret(args.seed),
                args.account_id
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let written = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.write_all(b"\n"));
            // A closed pipe, as from `zoom-pac generate ... | head`, is not an error.
            match written {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(anyhow::Error::new(error).context("failed to write the fixture"));
                }
                _ => {}
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
