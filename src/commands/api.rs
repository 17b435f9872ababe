//! The API connection options shared by the commands that call the API as a client.

use clap::Args;
use zoom_pac_client::{Client, DEFAULT_API_URL, DEFAULT_TOKEN_URL, RetryPolicy};

/// Credentials and endpoints, from flags or the ZOOM_* environment variables.
#[derive(Debug, Args)]
pub struct ApiArgs {
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

impl ApiArgs {
    /// Builds a client from the credentials and URLs, paced to `requests_per_second` if
    /// given. Fails with a message that names what to set.
    pub fn client(&self, requests_per_second: Option<f64>) -> Result<Client, String> {
        let args = self;
        let builder = Client::builder()
            .api_url(&args.api_url)
            .token_url(&args.oauth_url)
            .user_agent(concat!("zoom-pac/", env!("CARGO_PKG_VERSION")))
            .retry_policy(RetryPolicy::default().max_attempts(args.retries.saturating_add(1)));
        let builder = match requests_per_second {
            Some(rate) => builder.requests_per_second(rate),
            None => builder,
        };

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
}

/// Returns the value unless it is missing or blank: an empty environment variable counts
/// as unset.
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::present;

    #[test]
    fn blank_values_count_as_missing() {
        assert_eq!(present(&Some("  ".to_owned())), None);
        assert_eq!(present(&None), None);
        assert_eq!(present(&Some("x".to_owned())), Some("x"));
    }
}
