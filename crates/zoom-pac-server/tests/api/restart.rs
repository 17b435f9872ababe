//! Tokens survive a restart on the same database.

use crate::support::*;

#[tokio::test]
async fn token_issued_before_restart_still_works() {
    let database = TestDatabase::new();
    let server = TestServer::start_on(database.open_with_demo().await, |_| {}).await;
    let token = server.s2s_token().await;
    let (status, _) = server.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
    server.stop().await;

    let restarted = TestServer::start_on(database.open().await, |_| {}).await;
    let (status, body) = restarted.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body, zoom_sample_with_integer_id());
}

#[tokio::test]
async fn configured_key_is_shared_without_the_database() {
    let key = b"a configured signing key of more than 32 bytes".to_vec();
    let first_db = TestDatabase::new();
    let second_db = TestDatabase::new();
    let first_key = key.clone();
    let first = TestServer::start_on(first_db.open_with_demo().await, move |config| {
        config.signing_key = Some(first_key);
    })
    .await;
    let second = TestServer::start_on(second_db.open_with_demo().await, move |config| {
        config.signing_key = Some(key);
    })
    .await;
    let token = first.s2s_token().await;
    let (status, _) = second.get_json("/v2/users/me/pac", Some(&token)).await;
    assert_eq!(status, 200);
}
