//! `zoom-pac export`: every user's PAC accounts, as CSV or JSON Lines.

mod output;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::{Args, ValueEnum};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc;
use zoom_pac_client::model::User;
use zoom_pac_client::{Client, Error, USERS_PAGE_SIZE};

use super::api::ApiArgs;
use super::list::{Outcome, report_failure};
use output::{Sink, UserResult};

const EXIT_CODES: &str = "\
Exit codes:
  0  Every user was exported. Users without PAC (Zoom code 2024) count as exported.
  1  The output could not be written.
  2  Usage error: an invalid argument or URL, or missing credentials.
  3  Authentication failed while listing users.
  5  Listing users failed with another API error, or some users' PAC accounts could not be
     fetched (they are listed at the end; every other user is in the output).
  6  Transport error while listing users.
  130 Interrupted by Ctrl-C; no output file was left behind.";

/// Export the PAC accounts of every user of the account.
///
/// Lists the users (GET /v2/users), then fetches each user's PAC accounts concurrently at the
/// paced rate. CSV has one row per dial-in number; JSON Lines has one object per user. An
/// output file is written under a temporary name and renamed when the run ends, so a failed
/// run never leaves a half-written file in its place.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct ExportArgs {
    /// The status of the users to export.
    #[arg(long, value_enum, default_value_t = StatusArg::Active)]
    pub status: StatusArg,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The request rate in requests per second. Set it to the account's limit for the
    /// Light label (30 on Pro, 80 on Business and above) or lower.
    #[arg(long, value_name = "PER_SECOND", default_value_t = 10.0)]
    pub rate: f64,
    /// How many PAC listings may be in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Active,
    Inactive,
    Pending,
}

impl StatusArg {
    fn as_str(self) -> &'static str {
        match self {
            StatusArg::Active => "active",
            StatusArg::Inactive => "inactive",
            StatusArg::Pending => "pending",
        }
    }
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One row per dial-in number, with a header row.
    Csv,
    /// One JSON object per user.
    Jsonl,
}

/// Counts for the summary line.
#[derive(Debug, Default)]
struct Tally {
    requests: u64,
    users: u64,
    rows: u64,
    without_pac: u64,
    failed: Vec<(User, String)>,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    if args.concurrency == 0 {
        eprintln!("error: --concurrency must be at least 1");
        return Ok(Outcome::Usage.into());
    }
    let client = match args.api.client(Some(args.rate)) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(Outcome::Usage.into());
        }
    };
    let mut sink = Sink::open(args.output.as_deref(), args.format)?;

    let started = Instant::now();
    let outcome = tokio::select! {
        outcome = export(&client, &args, &mut sink) => outcome,
        _ = tokio::signal::ctrl_c() => {
            sink.discard();
            eprintln!("interrupted; no output was kept");
            return Ok(ExitCode::from(130));
        }
    };
    let tally = match outcome {
        Ok(tally) => tally,
        Err(ExportError::Api(error)) => {
            sink.discard();
            if args.output.is_some() {
                eprintln!("error: listing users failed; no output file was written");
            } else {
                eprintln!("error: listing users failed; the output above is incomplete");
            }
            return Ok(report_failure(&error, false).into());
        }
        Err(ExportError::Output(error)) => {
            sink.discard();
            return Err(error);
        }
    };
    let destination = sink.finish()?;

    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "exported {} users ({} rows) to {destination} in {elapsed:.1} s: {} requests at {:.1} requests/s; {} without PAC; {} failed",
        tally.users,
        tally.rows,
        tally.requests,
        tally.requests as f64 / elapsed.max(f64::EPSILON),
        tally.without_pac,
        tally.failed.len(),
    );
    if tally.failed.is_empty() {
        return Ok(Outcome::Listed.into());
    }
    eprintln!("these users' PAC accounts could not be fetched:");
    for (user, reason) in &tally.failed {
        eprintln!("  {} ({}): {reason}", user.id, user.email);
    }
    Ok(Outcome::Api.into())
}

enum ExportError {
    Api(Error),
    Output(anyhow::Error),
}

async fn export(client: &Client, args: &ExportArgs, sink: &mut Sink) -> Result<Tally, ExportError> {
    let mut tally = Tally::default();
    let progress = progress_bar();
    let pages = Arc::new(AtomicU64::new(0));

    // A separate task pages through the users ahead of the PAC requests, so that listing
    // overlaps with fetching instead of stalling it once per page.
    let (sender, receiver) = mpsc::channel::<Result<User, Error>>(2 * USERS_PAGE_SIZE as usize);
    let lister = tokio::spawn(list_users(
        client.clone(),
        args.status.as_str(),
        sender,
        progress.clone(),
        Arc::clone(&pages),
    ));

    let users = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let mut results = std::pin::pin!(
        users
            .map(|user| async move {
                match user {
                    Ok(user) => {
                        let result = client.list_pac_accounts(&user.id).await;
                        Ok((user, result))
                    }
                    Err(error) => Err(error),
                }
            })
            .buffered(args.concurrency)
    );
    while let Some(item) = results.next().await {
        let (user, result) = match item {
            Ok(pair) => pair,
            Err(error) => {
                lister.abort();
                return Err(ExportError::Api(error));
            }
        };
        tally.requests += 1;
        progress.inc(1);
        let result = match result {
            Ok(list) => UserResult::Accounts(list),
            Err(Error::Api(api)) if api.code == Some(2024) => {
                tally.without_pac += 1;
                UserResult::PacDisabled
            }
            Err(error) => {
                tracing::warn!(user.id = %user.id, %error, "fetching a user's PAC accounts failed");
                tally.failed.push((user, error.to_string()));
                continue;
            }
        };
        tally.users += 1;
        tally.rows += sink.write(&user, &result).map_err(ExportError::Output)?;
    }
    progress.finish_and_clear();
    tally.requests += pages.load(Ordering::Relaxed);
    Ok(tally)
}

/// Sends every user with `status` into `sender`, page by page, and then an error if a page
/// fails. Sets the progress bar's length from the first page's total.
async fn list_users(
    client: Client,
    status: &'static str,
    sender: mpsc::Sender<Result<User, Error>>,
    progress: ProgressBar,
    pages: Arc<AtomicU64>,
) {
    let mut next_page_token = String::new();
    loop {
        let page = match client
            .list_users_page(Some(status), USERS_PAGE_SIZE, Some(&next_page_token))
            .await
        {
            Ok(page) => page,
            Err(error) => {
                let _ = sender.send(Err(error)).await;
                return;
            }
        };
        pages.fetch_add(1, Ordering::Relaxed);
        progress.set_length(page.total_records);
        for user in page.users {
            if sender.send(Ok(user)).await.is_err() {
                // The export stopped reading.
                return;
            }
        }
        if page.next_page_token.is_empty() {
            return;
        }
        next_page_token = page.next_page_token;
    }
}

/// Returns a progress bar of users on stderr, hidden when stderr is not a terminal.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} users  {per_sec:.0}  ETA {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_template_is_valid() {
        assert!(
            ProgressStyle::with_template("{bar:40} {pos}/{len} users  {per_sec:.0}  ETA {eta}")
                .is_ok()
        );
    }
}
