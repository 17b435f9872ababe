//! Successful listings by user id, email and `me`.

use zoom_pac_client::model::{ConferenceId, DialInNumber, PacAccountList};
use zoom_pac_server::ConferenceIdFormat;

use crate::support::{MULTI_EMAIL, MULTI_ID, OWNER_ID, TestServer};

fn conference_ids(list: &PacAccountList) -> Vec<String> {
    list.pac_accounts
        .iter()
        .map(|account| account.conference_id.as_ref().unwrap().to_string())
        .collect()
}

fn number(number: &str, country: &str) -> DialInNumber {
    DialInNumber {
        number: number.to_owned(),
        country: country.to_owned(),
    }
}

#[tokio::test]
async fn lists_by_user_id() {
    let server = TestServer::start().await;
    let list = server
        .s2s_client()
        .list_pac_accounts(MULTI_ID)
        .await
        .unwrap();

    assert_eq!(conference_ids(&list), ["12345678901", "9876543210"]);
    let first = &list.pac_accounts[0];
    assert_eq!(first.participant_password.as_deref(), Some("a1b2c3"));
    assert_eq!(first.listen_only_password.as_deref(), Some("3c2b1a"));
    assert_eq!(
        first.dedicated_dial_in_number,
        [
            number("+44 2071234567", "GBR"),
            number("+49 3012345678", "DEU")
        ]
    );
    assert_eq!(first.global_dial_in_numbers.len(), 3);
    assert_eq!(
        first.global_dial_in_numbers[2],
        number("+81 363628317", "JPN")
    );
}

#[tokio::test]
async fn lists_by_email_with_plus_in_any_case() {
    let server = TestServer::start().await;
    let client = server.s2s_client();
    for email in [MULTI_EMAIL, "multi.pac+AUDIO@DEMO.example.com"] {
        let list = client.list_pac_accounts(email).await.unwrap();
        assert_eq!(
            conference_ids(&list),
            ["12345678901", "9876543210"],
            "{email}"
        );
    }
}

#[tokio::test]
async fn lists_me_as_the_app_owner() {
    let server = TestServer::start().await;
    let list = server.s2s_client().list_pac_accounts("me").await.unwrap();

    assert_eq!(conference_ids(&list), ["111111"]);
    let account = &list.pac_accounts[0];
    assert_eq!(account.participant_password.as_deref(), Some("ghdf"));
    assert_eq!(account.listen_only_password.as_deref(), Some("hkgk"));
    assert_eq!(
        account.dedicated_dial_in_number,
        [number("123343434", "USA")]
    );
    assert_eq!(account.global_dial_in_numbers, [number("434343434", "USA")]);
}

#[tokio::test]
async fn user_token_lists_its_own_user() {
    let server = TestServer::start().await;
    let token = server.user_token(OWNER_ID, &["pac:read"]).await;
    let client = server.builder().access_token(token).build().unwrap();

    let by_me = client.list_pac_accounts("me").await.unwrap();
    let by_id = client.list_pac_accounts(OWNER_ID).await.unwrap();
    assert_eq!(conference_ids(&by_me), ["111111"]);
    assert_eq!(by_me, by_id);
    assert_eq!(server.tokens_issued(), 0);
}

#[tokio::test]
async fn string_conference_ids_decode_to_the_same_digits() {
    let server = TestServer::start_with(|config| {
        config.conference_id_format = ConferenceIdFormat::String;
    })
    .await;
    let client = server.s2s_client();

    let raw = client.list_pac_accounts_raw(MULTI_ID).await.unwrap();
    let body = String::from_utf8(raw.body.clone()).unwrap();
    assert!(body.contains(r#""conference_id":"12345678901""#), "{body}");

    let list = raw.pac_account_list().unwrap();
    let expected: ConferenceId = "12345678901".parse().unwrap();
    assert_eq!(list.pac_accounts[0].conference_id, Some(expected));
}

#[tokio::test]
async fn raw_response_keeps_status_headers_and_body() {
    let server = TestServer::start().await;
    let raw = server
        .s2s_client()
        .list_pac_accounts_raw("me")
        .await
        .unwrap();

    assert_eq!(raw.status, zoom_pac_client::StatusCode::OK);
    assert!(raw.tracking_id().is_some_and(|id| !id.is_empty()));
    let body: serde_json::Value = serde_json::from_slice(&raw.body).unwrap();
    assert_eq!(body["pac_accounts"][0]["conference_id"], 111111);
}
