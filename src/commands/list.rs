//! `zoom-pac list USER`: list a user's PAC accounts through the API, as a client would.

mod render;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use zoom_pac_client::{Error, StatusCode};

use super::api::ApiArgs;

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
    #[command(flatten)]
    pub api: ApiArgs,
}

/// The exit codes of `list`, as documented in [`EXIT_CODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
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
    let client = match args.api.client(None) {
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

/// Prints the failure on stderr, with the status and headers when `verbose`, and returns
/// the matching exit code.
pub(super) fn report_failure(error: &Error, verbose: bool) -> Outcome {
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
}
