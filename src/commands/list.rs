//! `zoom-pac list USER`: list a user's PAC accounts through the API, as a client would.

mod render;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use zoom_pac_client::{Client, DEFAULT_API_URL, DEFAULT_TOKEN_URL, Error, RetryPolicy, StatusCode};

use render::Style;

/// The exit codes, shown after `--help`. Keep in step with [`Outcome`].
const EXIT_CODES: &str = "\
Exit codes:
  0  The PAC accounts were listed.
  1  Any other failure, such as an error writing the output.
  2  Usage error: an invalid argument or URL, or missing credentials.
  3  Authentication failed: an invalid or expired token (Zoom code 124), missing
     scopes (4700, 4711), another HTTP 401, or an OAuth token error.
  4  Not found: no such user (Zoom code 1001) or HTTP 404.
  5  Another API error, such as PAC disabled (2024, 200), rate limiting (429), a
     server error, or a response body that does not decode.
  6  Transport error: the server could not be reached, or the connection failed or
     timed out.";

/// List a user's PAC accounts through the API, as Zoom's API or a zoom-pac server returns
/// them.
///
/// Authenticates with ZOOM_ACCESS_TOKEN, or as a Server-to-Server OAuth app with
/// ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET. When both are set, the access
/// token is used.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct ListArgs {
    /// The user: a user id, an email, or `me` for the token's user (the app's owner for a
    /// Server-to-Server app).
    #[arg(value_name = "USER")]
    pub user: String,
    /// Print the response body as indented JSON, with every value as the server sent it.
    #[arg(long)]
    pub json: bool,
    /// Also print the HTTP status and the response headers, on stderr.
    #[arg(long, short)]
    pub verbose: bool,
    /// The account id of the Server-to-Server OAuth app.
    #[arg(long, env = "ZOOM_ACCOUNT_ID", value_name = "ID")]
    pub account_id: Option<String>,
    /// The client id of the Server-to-Server OAuth app.
    #[arg(long, env = "ZOOM_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// The client secret of the Server-to-Server OAuth app. Prefer the environment
    /// variable: a flag shows in the process list.
    #[arg(
        long,
        env = "ZOOM_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<String>,
    /// An access token to send as is, instead of requesting one. Prefer the environment
    /// variable: a flag shows in the process list.
    #[arg(
        long,
        env = "ZOOM_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub access_token: Option<String>,
    /// The API base URL, up to and including `/v2`.
    #[arg(long, env = "ZOOM_API_URL", default_value = DEFAULT_API_URL, value_name = "URL")]
    pub api_url: String,
    /// The OAuth token endpoint.
    #[arg(long, env = "ZOOM_OAUTH_URL", default_value = DEFAULT_TOKEN_URL, value_name = "URL")]
    pub oauth_url: String,
    /// How many times a request is retried after HTTP 429, a 5xx status or a connection
    /// failure.
    #[arg(long, value_name = "COUNT", default_value_t = 3)]
    pub retries: u32,
}

/// The exit codes of `list`, as documented in [`EXIT_CODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Listed = 0,
    Usage = 2,
    Authentication = 3,
    NotFound = 4,
    Api = 5,
    Transport = 6,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        ExitCode::from(outcome as u8)
    }
}

pub async fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    let client = match build_client(&args) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(Outcome::Usage.into());
        }
    };
    let response = match client.list_pac_accounts_raw(&args.user).await {
        Ok(response) => response,
        Err(error) => return Ok(report_failure(&error, args.verbose).into()),
    };
    if args.verbose {
        eprint!(
            "{}",
            render::status_and_headers(response.status, &response.headers)
        );
    }

    let output = if args.json {
        match render::pretty_json(&response.body) {
            Ok(json) => json,
            Err(error) => {
                eprintln!("error: the response body is not valid JSON: {error}");
                return Ok(Outcome::Api.into());
            }
        }
    } else {
        match response.pac_account_list() {
            Ok(list) => render::accounts(&list, &args.user, stdout_style()),
            Err(error) => return Ok(report_failure(&error, args.verbose).into()),
        }
    };
    write_stdout(&output)?;
    Ok(Outcome::Listed.into())
}

fn build_client(args: &ListArgs) -> Result<Client, String> {
    let builder = Client::builder()
        .api_url(&args.api_url)
        .token_url(&args.oauth_url)
        .user_agent(concat!("zoom-pac/", env!("CARGO_PKG_VERSION")))
        .retry_policy(RetryPolicy::default().max_attempts(args.retries.saturating_add(1)));

    let builder = if let Some(token) = present(&args.access_token) {
        builder.access_token(token)
    } else {
        let account_id = present(&args.account_id);
        let client_id = present(&args.client_id);
        let client_secret = present(&args.client_secret);
        match (account_id, client_id, client_secret) {
            (Some(account_id), Some(client_id), Some(client_secret)) => {
                builder.server_to_server(account_id, client_id, client_secret)
            }
            (None, None, None) => {
                return Err(
                    "missing credentials: set ZOOM_ACCESS_TOKEN (or --access-token), \
                     or set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (or \
                     --account-id, --client-id and --client-secret) for a Server-to-Server \
                     OAuth app"
                        .to_owned(),
                );
            }
            (account_id, client_id, client_secret) => {
                let missing: Vec<&str> = [
                    (account_id, "ZOOM_ACCOUNT_ID (or --account-id)"),
                    (client_id, "ZOOM_CLIENT_ID (or --client-id)"),
                    (client_secret, "ZOOM_CLIENT_SECRET (or --client-secret)"),
                ]
                .into_iter()
                .filter_map(|(value, name)| value.is_none().then_some(name))
                .collect();
                return Err(format!(
                    "missing Server-to-Server OAuth credentials: set {}",
                    missing.join(" and ")
                ));
            }
        }
    };
    builder.build().map_err(|error| error.to_string())
}

/// Returns the value unless it is missing or blank: an empty environment variable counts
/// as unset.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.trim().is_empty())
}

/// Prints the failure on stderr, with the status and headers when `verbose`, and returns
/// the matching exit code.
fn report_failure(error: &Error, verbose: bool) -> Outcome {
    if verbose && let (Some(status), Some(headers)) = (error.status(), error.headers()) {
        eprint!("{}", render::status_and_headers(status, headers));
    }
    eprintln!("error: {}", render::error_chain(error));
    if let Error::Api(api) = error
        && let Some(line) = render::rate_limit(&api.rate_limit)
    {
        eprintln!("{line}");
    }
    let outcome = classify(error);
    if let Some(hint) = hint(error, outcome) {
        eprintln!("hint: {hint}");
    }
    outcome
}

fn classify(error: &Error) -> Outcome {
    match error {
        Error::Transport(_) => Outcome::Transport,
        Error::OAuth(_) => Outcome::Authentication,
        Error::Api(api) => {
            let is_auth = matches!(api.code, Some(124 | 4700 | 4711))
                || api.status == StatusCode::UNAUTHORIZED;
            if is_auth {
                Outcome::Authentication
            } else if api.code == Some(1001) || api.status == StatusCode::NOT_FOUND {
                Outcome::NotFound
            } else {
                Outcome::Api
            }
        }
        Error::InvalidArgument(_) | Error::Config(_) => Outcome::Usage,
        _ => Outcome::Api,
    }
}

fn hint(error: &Error, outcome: Outcome) -> Option<&'static str> {
    match (error, outcome) {
        (Error::OAuth(_), _) => {
            Some("check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET and ZOOM_OAUTH_URL")
        }
        (Error::Api(api), Outcome::Authentication) if api.code == Some(124) => Some(
            "the access token is invalid or expired: get a new one, or use a Server-to-Server app",
        ),
        (Error::Transport(_), _) => {
            Some("check ZOOM_API_URL and ZOOM_OAUTH_URL, and that the server is running")
        }
        _ => None,
    }
}

fn stdout_style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    if io::stdout().is_terminal() && !no_color {
        Style::Terminal
    } else {
        Style::Plain
    }
}

/// Writes the output. A closed pipe, as from `zoom-pac list me | head -1`, is not an error.
fn write_stdout(output: &str) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(error).context("failed to write the output"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_table_lists_every_outcome() {
        for outcome in [
            Outcome::Listed,
            Outcome::Usage,
            Outcome::Authentication,
            Outcome::NotFound,
            Outcome::Api,
            Outcome::Transport,
        ] {
            let row = format!("\n  {}  ", outcome as u8);
            assert!(EXIT_CODES.contains(&row), "{outcome:?} is missing");
        }
    }

    #[test]
    fn blank_values_count_as_missing() {
        assert_eq!(present(&Some("  ".to_owned())), None);
        assert_eq!(present(&None), None);
        assert_eq!(present(&Some("x".to_owned())), Some("x"));
    }
}
