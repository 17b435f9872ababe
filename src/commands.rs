//! The subcommands. Each module contains one command's arguments and its `run`.

mod api;
mod export;
mod generate;
mod list;
mod load;
mod rotate_key;
mod serve;
mod token;

use std::process::ExitCode;

use clap::{Args, Subcommand};

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "zoom-pac.db";

#[derive(Debug, Subcommand)]
pub enum Command {
    Serve(serve::ServeArgs),
    Load(load::LoadArgs),
    Generate(generate::GenerateArgs),
    Export(export::ExportArgs),
    Token(token::TokenArgs),
    RotateKey(rotate_key::RotateKeyArgs),
    List(list::ListArgs),
}

impl Command {
    /// Returns the log level used when `RUST_LOG` is not set.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Command::Serve(_) => "info",
            _ => "warn",
        }
    }

    /// Runs the command and returns the process exit code.
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Serve(args) => serve::run(args).await,
            Command::Load(args) => load::run(args).await,
            Command::Generate(args) => generate::run(args).await,
            Command::Export(args) => export::run(args).await,
            Command::Token(args) => token::run(args).await,
            Command::RotateKey(args) => rotate_key::run(args).await,
            Command::List(args) => list::run(args).await,
        }
    }
}

/// The database option shared by every command that opens the store.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The database: a SQLite file path (created if missing), a sqlite: URL, or a
    /// postgres:// URL of an existing PostgreSQL database.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE, value_name = "URL")]
    pub database: String,
}

/// The signing key option shared by `serve` and `token`.
#[derive(Debug, Clone, Args)]
pub struct SigningKeyArgs {
    /// A fixed token signing key of at least 32 bytes. When unset, a key is generated once and
    /// kept in the database. Prefer the environment variable: a flag shows in the process list.
    #[arg(
        long,
        env = "ZOOM_PAC_SIGNING_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub signing_key: Option<String>,
}

impl SigningKeyArgs {
    /// Returns the configured key, checking its length.
    pub fn key(&self) -> anyhow::Result<Option<Vec<u8>>> {
        match &self.signing_key {
            None => Ok(None),
            Some(key) if key.len() < 32 => anyhow::bail!(
                "ZOOM_PAC_SIGNING_KEY is too short: use at least 32 bytes, for example the output of `openssl rand -hex 32`"
            ),
            Some(key) => Ok(Some(key.as_bytes().to_vec())),
        }
    }
}
