//! The client builder.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::auth::{Credentials, Secret, TokenCache};
use crate::client::{Client, Inner};
use crate::error::Error;
use crate::pacer::Pacer;
use crate::retry::RetryPolicy;

/// Zoom's API base URL.
pub const DEFAULT_API_URL: &str = "https://api.zoom.us/v2";

/// Zoom's OAuth token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://zoom.us/oauth/token";

/// How long before its expiry a cached token is replaced, unless set otherwise.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Builds a [`Client`]. Returned by [`Client::builder`].
///
/// Credentials are required: call [`access_token`](Self::access_token) or
/// [`server_to_server`](Self::server_to_server).
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_url: String,
    token_url: String,
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    requests_per_second: Option<f64>,
    timeout: Duration,
    connect_timeout: Duration,
    refresh_margin: Duration,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// Returns a builder with Zoom's URLs, the default retry policy, a 30 s timeout per
    /// attempt and a 10 s connect timeout.
    pub fn new() -> Self {
        Self {
            api_url: DEFAULT_API_URL.to_owned(),
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            credentials: None,
            retry: RetryPolicy::default(),
            requests_per_second: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            user_agent: concat!("zoom-pac-client/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// Sets the API base URL, the prefix of `/users/{userId}/pac` [default:
    /// `https://api.zoom.us/v2`].
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }

    /// Sets the OAuth token endpoint [default: `https://zoom.us/oauth/token`].
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Authenticates with a fixed access token, which the client never refreshes.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::AccessToken(Secret::new(token.into())));
        self
    }

    /// Authenticates as a Server-to-Server OAuth app. The client requests tokens with the
    /// `account_credentials` grant, caches them and refreshes them before they expire.
    pub fn server_to_server(
        mut self,
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::ServerToServer {
            account_id: account_id.into(),
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret.into()),
        });
        self
    }

    /// Sets how failed requests are retried, for API calls and token requests alike.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the timeout of one attempt, from connecting to the end of the body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the timeout of establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets how long before its expiry a cached Server-to-Server token is replaced
    /// [default: 60 s]. A token whose lifetime is shorter than the margin is used only by
    /// the calls that waited for it, and the next call requests a new one.
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Sets the `User-Agent` header [default: `zoom-pac-client/VERSION`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Paces API requests to at most `per_second` requests per second, shared by every clone
    /// of the client, and slows down after a 429 or a response that reports no room left in
    /// the rate-limit window. Set it to the account's limit for the endpoints in use (Zoom's
    /// Light limit is 30/s on Pro and 80/s on Business plans). Token requests are not paced.
    /// [default: not paced]
    pub fn requests_per_second(mut self, per_second: f64) -> Self {
        self.requests_per_second = Some(per_second);
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`Error::Config`] when no credentials were given, when the request rate is
    /// not positive, when a URL does not
    /// parse or is not `http` or `https`, or when the access token cannot be sent in an
    /// HTTP header.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config(
                "no credentials: call access_token or server_to_server on the builder".to_owned(),
            )
        })?;
        if let Credentials::AccessToken(token) = &credentials {
            check_token(token)?;
        }
        let pacer = match self.requests_per_second {
            None => None,
            Some(rate) if rate.is_finite() && rate > 0.0 => Some(Pacer::new(rate)),
            Some(rate) => {
                return Err(Error::Config(format!(
                    "invalid request rate {rate}: expected a positive number of requests per second"
                )));
            }
        };
        let api_url = parse_http_url("API URL", &self.api_url)?;
        let token_url = parse_http_url("token URL", &self.token_url)?;

        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            // A redirect could carry the token to another host; Zoom's API does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| Error::Config(format!("the HTTP client failed to start: {error}")))?;

        Ok(Client::from_inner(Inner {
            http,
            api_url: api_url.as_str().trim_end_matches('/').to_owned(),
            token_url,
            credentials,
            tokens: TokenCache::new(self.refresh_margin),
            retry: self.retry,
            pacer,
        }))
    }
}

fn check_token(token: &Secret) -> Result<(), Error> {
    let value = token.expose();
    if value.is_empty() {
        return Err(Error::Config("the access token is empty".to_owned()));
    }
    if HeaderValue::from_str(&format!("Bearer {value}")).is_err() {
        return Err(Error::Config(
            "the access token contains characters not allowed in an HTTP header".to_owned(),
        ));
    }
    Ok(())
}

fn parse_http_url(label: &str, url: &str) -> Result<Url, Error> {
    let parsed = Url::parse(url)
        .map_err(|error| Error::Config(format!("the {label} {url:?} is invalid: {error}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "the {label} {url:?} is invalid: use an http or https URL"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "the {label} {url:?} is invalid: remove the query string and fragment"
        )));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_requires_credentials() {
        let error = ClientBuilder::new().build().unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error}");
    }

    #[test]
    fn build_rejects_bad_urls() {
        for url in [
            "not a url",
            "ftp://example.com/v2",
            "https://example.com/v2?x=1",
        ] {
            let error = ClientBuilder::new()
                .access_token("token")
                .api_url(url)
                .build()
                .unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{url}: {error}");
        }
    }

    #[test]
    fn build_rejects_token_with_newline_without_quoting_it() {
        let error = ClientBuilder::new()
            .access_token("secret\nvalue")
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Config(_)));
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[test]
    fn debug_output_hides_credentials() {
        let builder = ClientBuilder::new().server_to_server("acct", "client", "hunter2");
        assert!(!format!("{builder:?}").contains("hunter2"));
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("hunter2"));
    }
}
