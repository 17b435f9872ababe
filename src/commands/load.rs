//! `zoom-pac load FILE`: validate a fixture and write it to the database in one transaction.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zoom_pac_server::fixture::Fixture;
use zoom_pac_server::store;

use super::DatabaseArgs;

/// Load accounts, users, PAC accounts and apps from a JSON fixture file.
///
/// The whole file is validated first and written in one transaction, so a broken file
/// changes nothing. Loading the same file twice changes nothing the second time.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The fixture file (format in the README).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub async fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let fixture = Fixture::read(&args.file)
        .with_context(|| format!("invalid fixture {}", args.file.display()))?;
    let store = store::open(&args.database.database)
        .await
        .context("failed to open the database")?;

    let users: usize = fixture
        .accounts
        .iter()
        .map(|account| account.users.len())
        .sum();

    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(format!(
        "writing {} accounts and {users} users in one transaction",
        fixture.accounts.len()
    ));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let applied = store.apply_fixture(&fixture).await;
    spinner.finish_and_clear();

    let summary = applied.with_context(|| {
        format!(
            "failed to load {}; nothing was written",
            args.file.display()
        )
    })?;

    println!(
        "loaded {}: {} accounts, {} users, {} PAC accounts and {} apps added or changed",
        args.file.display(),
        summary.accounts,
        summary.users,
        summary.pac_accounts,
        summary.apps
    );
    Ok(ExitCode::SUCCESS)
}
