//! `zoom-pac serve`: run the API server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tokio::net::TcpListener;
use zoom_pac_server::fixture::{self, Fixture};
use zoom_pac_server::limit::{
    self, LimitTable, MemoryLimiter, RateLimiter, RedisLimiter, RedisLimiterConfig,
};
use zoom_pac_server::{AppState, ConferenceIdFormat, ServerConfig, store};

use super::{DatabaseArgs, SigningKeyArgs};

/// Run the API server: POST /oauth/token and GET /v2/users/{userId}/pac on one listener.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(
        long,
        env = "ZOOM_PAC_LISTEN",
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Load the demo dataset and print the demo app's credentials and example commands.
    #[arg(long)]
    pub demo: bool,
    /// Load a fixture file before serving. Repeat to load several, in order.
    #[arg(long = "fixtures", value_name = "FILE")]
    pub fixtures: Vec<PathBuf>,
    /// The URL clients use to reach this server, sent as `api_url` in token responses
    /// [default: http://ADDR of --listen].
    #[arg(long, env = "ZOOM_PAC_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// How PAC listings write conference_id: as a JSON integer (Zoom's API type) or as a
    /// quoted string (as older Zoom examples show it).
    #[arg(long, value_enum, default_value_t = ConferenceIdArg::Integer)]
    pub conference_id_format: ConferenceIdArg,
    /// The lifetime of issued tokens, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub token_lifetime: u64,
    /// How long a request may run before the server responds with 504, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Override one rate limit, as PLAN.LABEL.WINDOW=N: PLAN is free, pro, business,
    /// education, enterprise, partner or all; LABEL is light, medium or heavy; WINDOW is qps
    /// (per second) or daily (per UTC day); N is a count or `off`. Repeatable, applied in
    /// order on top of Zoom's limits. Example: --rate-limit business.light.qps=500
    #[arg(long = "rate-limit", value_name = "RULE")]
    pub rate_limits: Vec<String>,
    /// Disable every rate limit (for load tests); --rate-limit rules still apply on top.
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Share rate-limit counters with every server that uses this Redis and prefix, as
    /// redis://[:PASSWORD@]HOST[:PORT][/DB]. Without it, each process counts on its own.
    /// While Redis is unreachable, each process counts on its own and retries once a second.
    #[arg(long, env = "REDIS_URL", hide_env_values = true, value_name = "URL")]
    pub redis: Option<String>,
    /// The prefix of the rate-limit keys in Redis. Servers that share limits use the same one.
    #[arg(
        long,
        env = "ZOOM_PAC_REDIS_PREFIX",
        default_value = limit::DEFAULT_PREFIX,
        value_name = "PREFIX"
    )]
    pub redis_prefix: String,
    #[command(flatten)]
    pub signing_key: SigningKeyArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ConferenceIdArg {
    Integer,
    String,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut limits = if args.no_rate_limits {
        LimitTable::unlimited()
    } else {
        LimitTable::default()
    };
    for rule in &args.rate_limits {
        limits.apply_rule(rule)?;
    }

    // Read and validate every fixture before touching the database.
    let mut fixtures = Vec::new();
    if args.demo {
        fixtures.push(("the demo dataset".to_owned(), fixture::demo()));
    }
    for path in &args.fixtures {
        let fixture =
            Fixture::read(path).with_context(|| format!("invalid fixture {}", path.display()))?;
        fixtures.push((path.display().to_string(), fixture));
    }

    let store = store::open(&args.database.database)
        .await
        .with_context(|| {
            format!(
                "failed to open the database {:?}",
                store::redact_url(&args.database.database)
            )
        })?;
    for (name, fixture) in &fixtures {
        tracing::info!(fixture = %name, "loading fixture");
        let summary = store
            .apply_fixture(fixture)
            .await
            .with_context(|| format!("failed to load {name}; nothing of it was written"))?;
        tracing::info!(
            fixture = %name,
            accounts = summary.accounts,
            users = summary.users,
            pac_accounts = summary.pac_accounts,
            apps = summary.apps,
            "fixture loaded"
        );
    }

    // The parsed fixtures are no longer needed; free them before serving.
    drop(fixtures);

    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("failed to listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));

    let mut config = ServerConfig::new(public_url.trim_end_matches('/'));
    config.conference_id_format = match args.conference_id_format {
        ConferenceIdArg::Integer => ConferenceIdFormat::Integer,
        ConferenceIdArg::String => ConferenceIdFormat::String,
    };
    config.token_lifetime = Duration::from_secs(args.token_lifetime);
    config.request_timeout = Duration::from_secs(args.request_timeout.max(1));
    config.signing_key = args.signing_key.key()?;
    config.demo = args.demo;
    config.limits = limits;
    let limiter: Arc<dyn RateLimiter> = match &args.redis {
        Some(url) => {
            let redis_config = RedisLimiterConfig {
                prefix: args.redis_prefix.clone(),
                ..RedisLimiterConfig::default()
            };
            Arc::new(RedisLimiter::connect(url, redis_config).await?)
        }
        None => Arc::new(MemoryLimiter::new()),
    };
    let state = AppState::with_limiter(store, limiter, config)
        .await
        .context("failed to load the signing key")?;

    if args.demo {
        print_demo_help(&public_url);
    }
    zoom_pac_server::serve(listener, state, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "failed to listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received Ctrl-C, finishing requests in flight"),
        () = terminate => tracing::info!("received SIGTERM, finishing requests in flight"),
    }
}

fn print_demo_help(public_url: &str) {
    let demo = fixture::demo();
    let Some(account) = demo.accounts.first() else {
        return;
    };
    let Some(app) = account.apps.first() else {
        return;
    };
    let owner = account
        .users
        .first()
        .map_or("me", |user| user.email.as_str());
    println!(
        "\
zoom-pac demo server at {public_url}

Demo Server-to-Server app (demo mode only):
  account id:    {account_id}
  client id:     {client_id}
  client secret: {client_secret}

Get a token:
  TOKEN=$(curl -s -X POST -u '{client_id}:{client_secret}' '{public_url}/oauth/token?grant_type=account_credentials&account_id={account_id}' | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')

List the PAC accounts of the account owner ({owner}):
  curl -s -H \"Authorization: Bearer $TOKEN\" {public_url}/v2/users/me/pac
",
        account_id = account.id,
        client_id = app.client_id,
        client_secret = app.client_secret,
    );
}
