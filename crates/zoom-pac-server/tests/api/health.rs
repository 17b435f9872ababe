//! `/healthz` and `/readyz`.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn healthz_and_readyz_answer() {
    let (server, _db) = TestServer::start().await;
    assert_eq!(
        server.get_json("/healthz", None).await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        server.get_json("/readyz", None).await,
        (200, json!({"status": "ready"}))
    );
}
