//! The benchmark baseline: the same JSON body that `zoom-pac serve` returns for the demo
//! owner's PAC listing, served by a bare axum router with no authentication, no storage and
//! no middleware. Usage: `zoom-pac-baseline ADDR` (default 127.0.0.1:8090).

use axum::Router;
use axum::http::header;
use axum::routing::get;

/// The demo owner's listing, byte for byte as zoom-pac sends it.
const BODY: &str = r#"{"pac_accounts":[{"conference_id":111111,"participant_password":"ghdf","listen_only_password":"hkgk","dedicated_dial_in_number":[{"number":"123343434","country":"USA"}],"global_dial_in_numbers":[{"number":"434343434","country":"USA"}]}]}"#;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let app = Router::new().route(
        "/v2/users/{userId}/pac",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], BODY) }),
    );
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!("baseline listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}
