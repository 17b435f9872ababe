//! Server settings that the command line or a test chooses.

use std::time::Duration;

use crate::limit::LimitTable;

/// The JSON form of `conference_id` in PAC listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConferenceIdFormat {
    /// A JSON integer, as Zoom's OpenAPI document types it.
    #[default]
    Integer,
    /// A JSON string of digits, as older Zoom examples show it, for testing clients.
    String,
}

/// Settings of one server process.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The URL that clients reach this server at, without `/v2`. Token responses carry it as
    /// `api_url`.
    pub public_url: String,
    /// The JSON form of `conference_id` in PAC listings.
    pub conference_id_format: ConferenceIdFormat,
    /// The lifetime of issued tokens. Zoom's is one hour.
    pub token_lifetime: Duration,
    /// A fixed signing key. When `None`, the key is generated once and kept in the database.
    pub signing_key: Option<Vec<u8>>,
    /// How long a request may take before the server responds with 504.
    pub request_timeout: Duration,
    /// Whether the demo apps may request tokens. Their credentials are public, so outside
    /// demo mode the token endpoint rejects them even if the database contains them.
    pub demo: bool,
    /// The rate limits per plan and label.
    pub limits: LimitTable,
    /// The maximum length of the request target (scheme, authority, path and query), in
    /// bytes. Longer targets get 414.
    pub max_uri_length: usize,
    /// The maximum number of request header fields, counting each line of a repeated field.
    /// More fields get 431.
    pub max_header_count: usize,
    /// The maximum total size of the request header names and values, in bytes. Larger
    /// headers get 431.
    pub max_header_bytes: usize,
    /// How long a client may take to send a request line and its headers, counted from when
    /// the server starts waiting for them: at the connection's start, or when the previous
    /// response on a kept-alive connection ends. The server then closes the connection
    /// without a response, which also closes idle kept-alive connections.
    pub header_read_timeout: Duration,
}

impl ServerConfig {
    /// Returns the defaults for a server reachable at `public_url`.
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into(),
            conference_id_format: ConferenceIdFormat::Integer,
            token_lifetime: Duration::from_secs(3600),
            signing_key: None,
            request_timeout: Duration::from_secs(30),
            demo: false,
            limits: LimitTable::default(),
            max_uri_length: 2048,
            max_header_count: 100,
            max_header_bytes: 16 * 1024,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}
