//! Zoom's data quirks, one fixture body each, served by the stub and decoded by the client.

use std::path::Path;

use zoom_pac_client::model::{DialInNumber, PacAccountList};
use zoom_pac_client::{Error, RetryPolicy, StatusCode};

use crate::support::{Stub, json_ok};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Serves the fixture `name` as a 200 response and lists through the client.
async fn list_fixture(name: &str) -> Result<PacAccountList, Error> {
    let body = fixture(name);
    let stub = Stub::start(move |_| json_ok(&body)).await;
    stub.client(RetryPolicy::none())
        .list_pac_accounts("me")
        .await
}

fn conference_id(list: &PacAccountList, index: usize) -> &str {
    list.pac_accounts[index]
        .conference_id
        .as_ref()
        .unwrap()
        .as_str()
}

#[tokio::test]
async fn zoom_documented_sample_with_string_id() {
    let list = list_fixture("zoom_documented_sample.json").await.unwrap();

    assert_eq!(list.pac_accounts.len(), 1);
    assert_eq!(conference_id(&list, 0), "111111");
    let account = &list.pac_accounts[0];
    assert_eq!(account.participant_password.as_deref(), Some("ghdf"));
    assert_eq!(account.listen_only_password.as_deref(), Some("hkgk"));
    assert_eq!(
        account.dedicated_dial_in_number,
        [DialInNumber {
            number: "123343434".to_owned(),
            country: "USA".to_owned(),
        }]
    );
    assert_eq!(account.global_dial_in_numbers[0].number, "434343434");
}

#[tokio::test]
async fn integer_conference_id_keeps_every_digit() {
    let list = list_fixture("integer_conference_id.json").await.unwrap();
    assert_eq!(conference_id(&list, 0), "12345678901");
    assert_eq!(
        list.pac_accounts[0]
            .conference_id
            .as_ref()
            .unwrap()
            .as_u64(),
        Some(12_345_678_901)
    );
}

#[tokio::test]
async fn string_conference_id_keeps_leading_zeros() {
    let list = list_fixture("leading_zero_conference_id.json")
        .await
        .unwrap();
    assert_eq!(conference_id(&list, 0), "0098765432");
}

#[tokio::test]
async fn null_and_missing_arrays_read_as_empty() {
    let list = list_fixture("null_and_missing_arrays.json").await.unwrap();
    let account = &list.pac_accounts[0];

    assert_eq!(conference_id(&list, 0), "5550001111");
    assert!(account.dedicated_dial_in_number.is_empty());
    assert!(account.global_dial_in_numbers.is_empty());
    assert_eq!(account.participant_password, None);
    assert_eq!(account.listen_only_password, None);
}

#[tokio::test]
async fn null_pac_accounts_reads_as_empty() {
    let list = list_fixture("null_pac_accounts.json").await.unwrap();
    assert!(list.pac_accounts.is_empty());
}

#[tokio::test]
async fn missing_pac_accounts_reads_as_empty() {
    let list = list_fixture("empty_object.json").await.unwrap();
    assert!(list.pac_accounts.is_empty());
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let list = list_fixture("unknown_fields.json").await.unwrap();
    let account = &list.pac_accounts[0];

    assert_eq!(conference_id(&list, 0), "7770002222");
    assert_eq!(account.dedicated_dial_in_number[0].country, "AUS");
    assert_eq!(account.global_dial_in_numbers[0].number, "+33 170950103");
}

#[tokio::test]
async fn invalid_conference_id_fails_with_excerpt() {
    let outcome = list_fixture("invalid_conference_id.json").await;

    let Err(Error::Decode(error)) = outcome else {
        panic!("expected a decode error, got {outcome:?}");
    };
    assert_eq!(error.status, StatusCode::OK);
    assert_eq!(error.expected, "PAC account list");
    assert!(error.detail.contains("12a45"), "{}", error.detail);
    let excerpt = error.excerpt.as_deref().unwrap();
    assert!(excerpt.contains(r#""conference_id": "12a45""#), "{excerpt}");
}

#[tokio::test]
async fn html_success_body_is_a_decode_error() {
    let stub = Stub::start(|_| {
        crate::support::http_response(
            "200 OK",
            &[("content-type", "text/html")],
            "<html>maintenance</html>",
        )
    })
    .await;
    let outcome = stub
        .client(RetryPolicy::none())
        .list_pac_accounts("me")
        .await;

    let Err(Error::Decode(error)) = outcome else {
        panic!("expected a decode error, got {outcome:?}");
    };
    assert_eq!(error.excerpt.as_deref(), Some("<html>maintenance</html>"));
}

#[tokio::test]
async fn oversized_body_is_a_decode_error() {
    let body = format!(
        r#"{{"pac_accounts":[],"padding":"{}"}}"#,
        "x".repeat(zoom_pac_client::MAX_BODY_BYTES)
    );
    let stub = Stub::start(move |_| json_ok(&body)).await;
    let outcome = stub
        .client(RetryPolicy::none())
        .list_pac_accounts("me")
        .await;

    let Err(Error::Decode(error)) = outcome else {
        panic!("expected a decode error, got {outcome:?}");
    };
    assert!(error.detail.contains("larger than"), "{}", error.detail);
    assert_eq!(error.excerpt, None);
}
