//! The client: authorized requests, token requests and the send path with retries.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::{Stream, TryStreamExt, stream};
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method, Url};
use zoom_pac_model::{OAuthError as OAuthErrorBody, PacAccountList, TokenResponse, User, UserPage};

use crate::auth::{AccessToken, Credentials, FetchedToken, Secret, TokenCache};
use crate::builder::ClientBuilder;
use crate::error::{Error, OAuthError};
use crate::pacer::Pacer;
use crate::response::{RawResponse, tracking_id};
use crate::retry::{RetryPolicy, is_retryable_status, is_retryable_transport};
use crate::segment::encode_user;

/// The page size that [`Client::list_users`] requests: the largest that every Zoom API
/// version accepts.
pub const USERS_PAGE_SIZE: u32 = 300;

/// The largest response body read, in bytes. A PAC listing is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A client of Zoom's "List a user's PAC accounts" API.
///
/// Cloning is cheap, and clones share the connection pool and the token cache. Build one
/// with [`Client::builder`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// The API base URL without a trailing `/`, such as `https://api.zoom.us/v2`.
    pub(crate) api_url: String,
    pub(crate) token_url: Url,
    pub(crate) credentials: Credentials,
    pub(crate) tokens: TokenCache,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Option<Pacer>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.inner.credentials {
            Credentials::AccessToken(_) => "access token",
            Credentials::ServerToServer { .. } => "Server-to-Server OAuth",
        };
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .field("token_url", &self.inner.token_url.as_str())
            .field("auth", &auth)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// The outcome of one attempt, for the retry decision.
enum Attempt {
    Response(RawResponse),
    /// The body exceeded [`MAX_BODY_BYTES`]. The response contains its first bytes.
    TooLarge(RawResponse),
    Failed(reqwest::Error),
}

impl Client {
    /// Returns a builder with Zoom's URLs and the default retry policy.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Lists the PAC accounts of `user`: a user id, an email or `me` (the token's user; for
    /// a Server-to-Server app, the app's owner).
    ///
    /// Sends `GET {api_url}/users/{user}/pac`, with `user` percent-encoded as one path
    /// segment.
    pub async fn list_pac_accounts(&self, user: &str) -> Result<PacAccountList, Error> {
        self.list_pac_accounts_raw(user).await?.pac_account_list()
    }

    /// Lists the PAC accounts of `user` like [`list_pac_accounts`](Self::list_pac_accounts),
    /// and returns the successful response undecoded.
    pub async fn list_pac_accounts_raw(&self, user: &str) -> Result<RawResponse, Error> {
        let url = self.pac_url(user)?;
        let response = self.get_authorized("list_pac_accounts", &url).await?;
        if response.status.is_success() {
            Ok(response)
        } else {
            Err(response.into_api_error())
        }
    }

    /// Fetches one page of the account's users: `GET {api_url}/users`, optionally filtered by
    /// `status` (`active`, `inactive` or `pending`; Zoom's default is `active`). Pass the
    /// previous page's `next_page_token` to get the next page; the last page has an empty
    /// one. Zoom caps `page_size` at 300 per page on this server and documents 2000 on newer
    /// API versions.
    pub async fn list_users_page(
        &self,
        status: Option<&str>,
        page_size: u32,
        next_page_token: Option<&str>,
    ) -> Result<UserPage, Error> {
        let mut url = self.api_endpoint("users")?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(status) = status {
                query.append_pair("status", status);
            }
            query.append_pair("page_size", &page_size.to_string());
            if let Some(token) = next_page_token.filter(|token| !token.is_empty()) {
                query.append_pair("next_page_token", token);
            }
        }
        let response = self.get_authorized("list_users", &url).await?;
        if !response.status.is_success() {
            return Err(response.into_api_error());
        }
        response.decode("user list")
    }

    /// Lists every user of the account with `status`, page by page, as a stream. Each page
    /// is requested only when the stream reaches it, and an error ends the stream.
    pub fn list_users<'a>(
        &'a self,
        status: Option<&'a str>,
    ) -> impl Stream<Item = Result<User, Error>> + Send + 'a {
        // The state is the token of the next page, or `None` after the last page.
        stream::try_unfold(Some(String::new()), move |next| async move {
            let Some(token) = next else {
                return Ok(None);
            };
            let page = self
                .list_users_page(status, USERS_PAGE_SIZE, Some(&token))
                .await?;
            let next = (!page.next_page_token.is_empty()).then(|| page.next_page_token.clone());
            Ok(Some((page.users, next)))
        })
        .map_ok(|users| stream::iter(users.into_iter().map(Ok)))
        .try_flatten()
    }

    fn api_endpoint(&self, path: &str) -> Result<Url, Error> {
        let url = format!("{}/{path}", self.inner.api_url);
        Url::parse(&url).map_err(|error| {
            Error::Config(format!(
                "the API URL {:?} is invalid: {error}",
                self.inner.api_url
            ))
        })
    }

    fn pac_url(&self, user: &str) -> Result<Url, Error> {
        let segment = encode_user(user)?;
        self.api_endpoint(&format!("users/{segment}/pac"))
    }

    /// Sends an authorized GET. When the API rejects a Server-to-Server token with code 124
    /// although the cache held it as valid (revoked, or signed by a key the server no longer
    /// has), refreshes the token once and sends the request once more.
    async fn get_authorized(
        &self,
        operation: &'static str,
        url: &Url,
    ) -> Result<RawResponse, Error> {
        let token = self.access_token().await?;
        let response = self.execute(operation, self.get(url, &token)?).await?;
        if !response.is_token_rejection() {
            return Ok(response);
        }
        let Some(generation) = token.generation else {
            return Ok(response);
        };
        tracing::debug!(
            operation,
            tracking_id = tracking_id(&response.headers).unwrap_or("-"),
            "the API rejected the cached access token with code 124; refreshing it and retrying once"
        );
        let token = self
            .inner
            .tokens
            .token_after_rejection(generation, || self.request_token())
            .await?;
        self.execute(operation, self.get(url, &token)?).await
    }

    fn get(&self, url: &Url, token: &AccessToken) -> Result<reqwest::Request, Error> {
        self.inner
            .http
            .request(Method::GET, url.clone())
            .bearer_auth(token.value.expose())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .build()
            // The builder's error could only be an invalid header value. It is not shown
            // because the header contains the token.
            .map_err(|_| {
                Error::Config(
                    "the access token contains characters not allowed in an HTTP header".to_owned(),
                )
            })
    }

    async fn access_token(&self) -> Result<AccessToken, Error> {
        match &self.inner.credentials {
            Credentials::AccessToken(value) => Ok(AccessToken {
                value: value.clone(),
                generation: None,
            }),
            Credentials::ServerToServer { .. } => {
                self.inner.tokens.token(|| self.request_token()).await
            }
        }
    }

    /// Requests a token with the `account_credentials` grant: the client id and secret as
    /// HTTP Basic authentication, and the grant type and account id as a form body.
    async fn request_token(&self) -> Result<FetchedToken, Error> {
        let Credentials::ServerToServer {
            account_id,
            client_id,
            client_secret,
        } = &self.inner.credentials
        else {
            return Err(Error::Config(
                "a fixed access token cannot be refreshed".to_owned(),
            ));
        };
        let requested_at = Instant::now();
        let request = self
            .inner
            .http
            .request(Method::POST, self.inner.token_url.clone())
            .basic_auth(client_id, Some(client_secret.expose()))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", account_id.as_str()),
            ])
            .build()
            .map_err(|_| Error::Config("the token request could not be built".to_owned()))?;
        let response = self.execute("request_token", request).await?;
        if !response.status.is_success() {
            return Err(token_error(response));
        }
        let body: TokenResponse = response.decode_secret("token response")?;
        Ok(FetchedToken {
            value: Secret::new(body.access_token),
            expires_in: Duration::from_secs(body.expires_in),
            requested_at,
        })
    }

    /// Sends `request`, retrying as the retry policy allows, and returns the last response
    /// whatever its status. Fails on a transport error after the last attempt, or on a body
    /// larger than [`MAX_BODY_BYTES`].
    ///
    /// Every request of the client goes through here. With a pacer, each attempt of an API
    /// request waits for its send slot, and each response adjusts the pacer.
    async fn execute(
        &self,
        operation: &'static str,
        request: reqwest::Request,
    ) -> Result<RawResponse, Error> {
        let policy = &self.inner.retry;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let Some(copy) = request.try_clone() else {
                // A streamed body cannot be sent twice. No request of this client has one.
                return finish(self.send(request).await);
            };
            let paced = self
                .inner
                .pacer
                .as_ref()
                .filter(|_| operation != "request_token");
            if let Some(pacer) = paced {
                pacer.acquire().await;
            }
            let sent_at = SystemTime::now();
            let outcome = self.send(copy).await;
            if let (Some(pacer), Attempt::Response(response)) = (paced, &outcome) {
                pacer
                    .observe(response.status, &response.rate_limit(), sent_at)
                    .await;
            }
            let (wait, reason) = match &outcome {
                Attempt::Response(response) if is_retryable_status(response.status) => {
                    retry_wait_for_status(policy, attempt, response)
                }
                Attempt::Failed(error) if is_retryable_transport(error) => (
                    policy.backoff(attempt),
                    format!("transport error: {}", transport_cause(error)),
                ),
                _ => return finish(outcome),
            };

            let over_budget = started.elapsed().saturating_add(wait) > policy.elapsed_budget();
            if attempt >= policy.attempts() || over_budget {
                tracing::debug!(
                    operation,
                    attempt,
                    wait_ms = millis(wait),
                    reason = %reason,
                    "giving up: no attempts or time left"
                );
                return finish(outcome);
            }
            tracing::debug!(
                operation,
                attempt,
                max_attempts = policy.attempts(),
                wait_ms = millis(wait),
                reason = %reason,
                "retrying request"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Sends one attempt and reads the whole body.
    async fn send(&self, request: reqwest::Request) -> Attempt {
        let mut response = match self.inner.http.execute(request).await {
            Ok(response) => response,
            Err(error) => return Attempt::Failed(error),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY_BYTES {
                        // Keep the start for the error excerpt and stop reading.
                        body.extend_from_slice(&chunk[..MAX_BODY_BYTES - body.len()]);
                        return Attempt::TooLarge(RawResponse {
                            status,
                            headers,
                            body,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return Attempt::Failed(error),
            }
        }
        Attempt::Response(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn finish(outcome: Attempt) -> Result<RawResponse, Error> {
    match outcome {
        Attempt::Response(response) => Ok(response),
        Attempt::TooLarge(response) => Err(response.too_large_error()),
        Attempt::Failed(error) => Err(Error::transport(error)),
    }
}

/// Returns the wait before retrying a retryable status, and the reason to log: the
/// `Retry-After` header when present, and the jittered backoff otherwise.
fn retry_wait_for_status(
    policy: &RetryPolicy,
    attempt: u32,
    response: &RawResponse,
) -> (Duration, String) {
    let status = response.status.as_u16();
    match response.rate_limit().retry_after {
        Some(retry_after) => {
            let wait = retry_after.delay_from(SystemTime::now());
            (wait, format!("HTTP {status} with Retry-After"))
        }
        None => (policy.backoff(attempt), format!("HTTP {status}")),
    }
}

/// Converts a failed token response into [`Error::OAuth`] when the body is Zoom's OAuth
/// error body, and into [`Error::Api`] otherwise.
fn token_error(response: RawResponse) -> Error {
    match serde_json::from_slice::<OAuthErrorBody>(&response.body) {
        Ok(body) => Error::OAuth(Box::new(OAuthError {
            status: response.status,
            error: body.error,
            reason: body.reason,
            tracking_id: response.tracking_id().map(str::to_owned),
            headers: response.headers,
        })),
        Err(_) => response.into_api_error(),
    }
}

/// Returns the innermost cause of a transport error, which names the failure (such as
/// "Connection refused") without the request URL, whose path may contain an email.
fn transport_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    if error.is_timeout() {
        format!("timed out ({cause})")
    } else {
        cause.to_string()
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
