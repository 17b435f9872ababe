//! Property tests of request parsing, over real HTTP: the `{userId}` segment, the
//! `Authorization` header (bearer and basic) and the token endpoint's parameters.
//!
//! Arbitrary input never makes the server fail or respond outside its documented errors, and
//! well-formed input round-trips: what a client encodes is what the server reads.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{NON_ALPHANUMERIC, percent_encode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use zoom_pac_server::http::UserRef;
use zoom_pac_server::limit::LimitTable;

use crate::support::*;

/// A demo server without rate limits, so that hundreds of cases run in a row, and a runtime
/// to drive it from proptest's synchronous test functions.
struct Harness {
    runtime: Runtime,
    server: TestServer,
    _database: TestDatabase,
    token: String,
}

impl Harness {
    fn start() -> Self {
        let runtime = Runtime::new().expect("start a runtime");
        let (server, database) = runtime.block_on(TestServer::start_with(|config| {
            config.limits = LimitTable::unlimited();
        }));
        let token = runtime.block_on(server.s2s_token());
        Harness {
            runtime,
            server,
            _database: database,
            token,
        }
    }

    /// Runs `test` on values of `strategy`, and panics with the smallest failing value.
    fn check<S: Strategy>(
        &self,
        strategy: S,
        test: impl Fn(&Harness, S::Value) -> Result<(), TestCaseError>,
    ) {
        let config = Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        };
        let result = TestRunner::new(config).run(&strategy, |value| test(self, value));
        if let Err(error) = result {
            panic!("{error}");
        }
    }

    fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        self.runtime.block_on(async {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let text = response.text().await.expect("body");
            let body = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{status} has a non-JSON body {text:?}"));
            (status, body)
        })
    }

    fn get(&self, path: &str, authorization: Option<HeaderValue>) -> (u16, Value) {
        let mut request = self.server.client.get(self.server.url(path));
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        self.send(request)
    }

    fn token_request(
        &self,
        query: &str,
        body: Vec<u8>,
        authorization: HeaderValue,
    ) -> (u16, Value) {
        let request = self
            .server
            .client
            .post(self.server.url(&format!("/oauth/token{query}")))
            .header(AUTHORIZATION, authorization)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request)
    }
}

fn basic(scheme: &str, client_id: &str, secret: &str) -> HeaderValue {
    let encoded = STANDARD.encode(format!("{client_id}:{secret}"));
    HeaderValue::from_str(&format!("{scheme} {encoded}")).expect("a valid header value")
}

fn demo_basic() -> HeaderValue {
    basic("Basic", CLIENT_ID, CLIENT_SECRET)
}

fn invalid_client() -> Value {
    json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
}

/// Returns `word` with each letter's case chosen by `uppercase`.
fn recase(word: &str, uppercase: &[bool]) -> String {
    word.chars()
        .zip(uppercase.iter().chain(std::iter::repeat(&false)))
        .map(|(letter, &upper)| {
            if upper {
                letter.to_ascii_uppercase()
            } else {
                letter.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Returns true if `segment` names a demo user or `me`, which the server finds.
fn names_a_user(segment: &str) -> bool {
    let known = [
        OWNER_ID,
        NO_PAC_ID,
        MULTI_ID,
        FREE_USER_ID,
        "owner@demo.example.com",
        "nopac@demo.example.com",
        MULTI_EMAIL,
        "free@demo.example.org",
        "me",
    ];
    known.iter().any(|name| name.eq_ignore_ascii_case(segment))
}

#[test]
fn user_ref_round_trips() {
    proptest!(|(segment in any::<String>())| {
        let parsed = UserRef::parse(&segment);
        prop_assert_eq!(parsed.as_str(), segment.as_str());
        let expected = if segment == "me" {
            UserRef::Me
        } else if segment.contains('@') {
            UserRef::Email(segment.clone())
        } else {
            UserRef::Id(segment.clone())
        };
        prop_assert_eq!(parsed, expected);
    });
}

/// A percent-encoded segment reaches the handler decoded: the 1001 message quotes it back
/// exactly. `.` and `..` are left out because URL parsers resolve them as dot segments.
#[test]
fn user_segment_percent_decoding_round_trips() {
    let harness = Harness::start();
    let strategy = "\\PC{1,40}".prop_filter("dot segments and known users", |segment| {
        segment != "." && segment != ".." && !names_a_user(segment)
    });
    harness.check(strategy, |harness, segment| {
        let encoded = percent_encode(segment.as_bytes(), NON_ALPHANUMERIC).to_string();
        let bearer = HeaderValue::from_str(&format!("Bearer {}", harness.token)).unwrap();
        let expected = json!({"code": 1001, "message": format!("User does not exist: {segment}.")});
        for path in [
            format!("/v2/users/{encoded}/pac"),
            format!("/v2/users/{encoded}"),
        ] {
            let (status, body) = harness.get(&path, Some(bearer.clone()));
            prop_assert_eq!(status, 404, "{}", path);
            prop_assert_eq!(&body, &expected, "{}", path);
        }
        Ok(())
    });
}

/// Bytes that are not UTF-8 once decoded name no user; the message quotes them lossily.
#[test]
fn user_segment_of_arbitrary_bytes_is_not_found() {
    let harness = Harness::start();
    let strategy = proptest::collection::vec(any::<u8>(), 1..40).prop_filter(
        "dot segments and known users",
        |bytes| {
            let text = String::from_utf8_lossy(bytes);
            text != "." && text != ".." && !names_a_user(&text)
        },
    );
    harness.check(strategy, |harness, bytes| {
        let encoded = percent_encode(&bytes, NON_ALPHANUMERIC).to_string();
        let bearer = HeaderValue::from_str(&format!("Bearer {}", harness.token)).unwrap();
        let (status, body) = harness.get(&format!("/v2/users/{encoded}/pac"), Some(bearer));
        let quoted = String::from_utf8_lossy(&bytes);
        prop_assert_eq!(status, 404);
        prop_assert_eq!(
            body,
            json!({"code": 1001, "message": format!("User does not exist: {quoted}.")})
        );
        Ok(())
    });
}

/// Any header value that is not a valid bearer token reads as no token.
#[test]
fn arbitrary_authorization_gets_invalid_token() {
    let harness = Harness::start();
    let header_byte = prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff];
    let strategy = proptest::collection::vec(header_byte, 0..200);
    harness.check(strategy, |harness, bytes| {
        let value = HeaderValue::from_bytes(&bytes).expect("only header-safe bytes");
        let (status, body) = harness.get("/v2/users/me/pac", Some(value.clone()));
        prop_assert_eq!(status, 401);
        prop_assert_eq!(
            body,
            json!({"code": 124, "message": "Invalid access token."})
        );

        let (status, body) = harness.token_request(
            "?grant_type=account_credentials&account_id=demoBusinessAcct",
            Vec::new(),
            value,
        );
        prop_assert_eq!(status, 400);
        prop_assert_eq!(body, invalid_client());
        Ok(())
    });
}

/// The bearer scheme matches in any letter case, with any number of spaces around the token.
#[test]
fn bearer_header_round_trips() {
    let harness = Harness::start();
    let strategy = (
        proptest::collection::vec(any::<bool>(), 6),
        1usize..4,
        "[ \t]{0,3}",
        "[ \t]{0,3}",
    );
    harness.check(strategy, |harness, (uppercase, gap, leading, trailing)| {
        let scheme = recase("bearer", &uppercase);
        let spaces = " ".repeat(gap);
        let value = format!("{leading}{scheme}{spaces}{}{trailing}", harness.token);
        let header = HeaderValue::from_str(&value).unwrap();
        let (status, body) = harness.get("/v2/users/me/pac", Some(header));
        prop_assert_eq!(status, 200, "{:?}", value);
        prop_assert_eq!(body, zoom_sample_with_integer_id());
        Ok(())
    });
}

#[derive(Debug, Clone)]
enum Credentials {
    Demo,
    WrongSecret(String),
    WrongId(String),
    Other(String, String),
}

/// Basic credentials decode to exactly what the client encoded: only the demo pair, in any
/// scheme case, is accepted, and secrets may contain `:`.
#[test]
fn basic_credentials_round_trip() {
    let harness = Harness::start();
    let client_id = "[^:]{1,30}";
    let secret = "\\PC{0,40}";
    let credentials = prop_oneof![
        Just(Credentials::Demo),
        secret.prop_map(Credentials::WrongSecret),
        client_id.prop_map(Credentials::WrongId),
        (client_id, secret).prop_map(|(id, secret)| Credentials::Other(id, secret)),
    ];
    let strategy = (credentials, proptest::collection::vec(any::<bool>(), 5));
    harness.check(strategy, |harness, (credentials, uppercase)| {
        let scheme = recase("basic", &uppercase);
        let (client_id, secret) = match &credentials {
            Credentials::Demo => (CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned()),
            Credentials::WrongSecret(secret) => (CLIENT_ID.to_owned(), secret.clone()),
            Credentials::WrongId(id) => (id.clone(), CLIENT_SECRET.to_owned()),
            Credentials::Other(id, secret) => (id.clone(), secret.clone()),
        };
        let accepted = client_id == CLIENT_ID && secret == CLIENT_SECRET;
        let (status, body) = harness.token_request(
            "?grant_type=account_credentials&account_id=demoBusinessAcct",
            Vec::new(),
            basic(&scheme, &client_id, &secret),
        );
        if accepted {
            prop_assert_eq!(status, 200, "{:?}", body);
            prop_assert!(body["access_token"].is_string());
        } else {
            prop_assert_eq!(status, 400, "{:?}", credentials);
            prop_assert_eq!(body, invalid_client());
        }
        Ok(())
    });
}

/// Arbitrary bytes as the form body, after valid query parameters, never fail the request:
/// the response is a token or one of the documented 400s.
#[test]
fn arbitrary_form_bodies_get_documented_responses() {
    let harness = Harness::start();
    let strategy = proptest::collection::vec(any::<u8>(), 0..300);
    harness.check(strategy, |harness, body| {
        let (status, response) = harness.token_request(
            "?grant_type=account_credentials&account_id=demoBusinessAcct",
            body,
            demo_basic(),
        );
        match status {
            200 => prop_assert!(response["access_token"].is_string()),
            400 => {
                let error = response["error"].as_str().unwrap_or_default();
                prop_assert!(
                    ["invalid_request", "unsupported_grant_type"].contains(&error),
                    "{:?}",
                    response
                );
            }
            other => prop_assert!(false, "status {} with {:?}", other, response),
        }
        Ok(())
    });
}

/// Percent-encodes `value` for a form, choosing per byte, from `choices`, between the literal
/// byte (where the form syntax allows it), `+` for a space, and `%XX` in either hex case.
fn form_encode(value: &str, choices: &[u8]) -> String {
    let mut encoded = String::new();
    for (index, byte) in value.bytes().enumerate() {
        let choice = choices.get(index).copied().unwrap_or(0) % 3;
        let literal = byte.is_ascii_alphanumeric() || b"-._*".contains(&byte);
        match choice {
            0 if literal => encoded.push(char::from(byte)),
            1 if byte == b' ' => encoded.push('+'),
            1 => encoded.push_str(&format!("%{byte:02x}")),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// Either `valid`, or an arbitrary string, or `valid` with one character changed.
fn parameter_value(valid: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(valid.to_owned()),
        1 => "\\PC{0,30}",
        1 => (0..valid.len(), any::<char>()).prop_map(move |(index, replacement)| {
            let mut changed: Vec<char> = valid.chars().collect();
            changed[index] = replacement;
            changed.into_iter().collect()
        }),
    ]
}

/// Returns the status and body that the token endpoint documents for these parameters.
fn expected_token_response(grant_type: &str, account_id: &str) -> Option<Value> {
    let failure = |reason: &str, error: &str| Some(json!({"reason": reason, "error": error}));
    if grant_type.is_empty() {
        failure("Missing grant type", "invalid_request")
    } else if grant_type != "account_credentials" {
        failure("unsupported grant type", "unsupported_grant_type")
    } else if account_id.is_empty() {
        failure("Missing account_id", "invalid_request")
    } else if account_id != ACCOUNT_ID {
        failure("Invalid account_id", "invalid_request")
    } else {
        None
    }
}

/// The token parameters decode to exactly what the client encoded, in the query or in the
/// body, whatever mix of literal characters, `+` and `%XX` it uses, and among other
/// parameters.
#[test]
fn token_parameters_round_trip() {
    let harness = Harness::start();
    let strategy = (
        parameter_value("account_credentials"),
        parameter_value(ACCOUNT_ID),
        proptest::collection::vec(any::<u8>(), 64),
        proptest::collection::vec(("[a-z]{1,8}", "\\PC{0,10}"), 0..3),
        any::<bool>(),
    )
        .prop_filter(
            "extra parameters keep other names",
            |(_, _, _, extra, _)| {
                extra
                    .iter()
                    .all(|(name, _)| name != "grant_type" && name != "account_id")
            },
        );
    harness.check(
        strategy,
        |harness, (grant_type, account_id, choices, extra, in_body)| {
            let mut pairs = vec![
                format!("grant_type={}", form_encode(&grant_type, &choices)),
                format!("account_id={}", form_encode(&account_id, &choices[32..])),
            ];
            for (name, value) in &extra {
                pairs.push(format!("{name}={}", form_encode(value, &choices)));
            }
            let shift = usize::from(choices[0]) % pairs.len();
            pairs.rotate_left(shift);
            let form = pairs.join("&");
            let (status, body) = if in_body {
                harness.token_request("", form.clone().into_bytes(), demo_basic())
            } else {
                harness.token_request(&format!("?{form}"), Vec::new(), demo_basic())
            };
            match expected_token_response(&grant_type, &account_id) {
                Some(expected) => {
                    prop_assert_eq!(status, 400, "{}", form);
                    prop_assert_eq!(body, expected, "{}", form);
                }
                None => {
                    prop_assert_eq!(status, 200, "{}: {:?}", form, body);
                    prop_assert_eq!(&body["token_type"], "bearer");
                }
            }
            Ok(())
        },
    );
}

/// The standard form encoder's output round-trips too, and a body parameter overrides the
/// query parameter of the same name.
#[test]
fn body_parameters_override_query_parameters() {
    let harness = Harness::start();
    let strategy = (
        parameter_value("account_credentials"),
        parameter_value(ACCOUNT_ID),
        "\\PC{0,20}",
    );
    harness.check(strategy, |harness, (grant_type, account_id, decoy)| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", &decoy)
            .append_pair("account_id", &decoy)
            .finish();
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", &grant_type)
            .append_pair("account_id", &account_id)
            .finish();
        let (status, response) = harness.token_request(
            &format!("?{query}"),
            body.clone().into_bytes(),
            demo_basic(),
        );
        match expected_token_response(&grant_type, &account_id) {
            Some(expected) => {
                prop_assert_eq!(status, 400, "{}", body);
                prop_assert_eq!(response, expected, "{}", body);
            }
            None => prop_assert_eq!(status, 200, "{}: {:?}", body, response),
        }
        Ok(())
    });
}
