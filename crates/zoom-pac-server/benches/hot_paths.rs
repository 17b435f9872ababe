//! Micro-benchmarks of the steps of an authenticated PAC listing that run on every request,
//! each next to the variant it replaced. Token verification runs without and with the cache
//! of verified tokens, user resolution by a store query and through the read cache, and
//! listing encoding through `serde_json::Value` and directly.
//!
//! Run with `cargo bench -p zoom-pac-server --bench hot_paths`. Criterion prints the time per
//! call of each variant. The stores are SQLite files in a temporary directory.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use zoom_pac_model::{PacAccount, PacAccountList};
use zoom_pac_server::auth::{TokenKind, TokenService};
use zoom_pac_server::fixture::Fixture;
use zoom_pac_server::fixture::generate::{GenerateOptions, generate};
use zoom_pac_server::store::{self, Store};

/// The server's listing encoders. The module is private to the server crate, so the benchmark
/// compiles the same source file.
#[path = "../src/http/pac/encode.rs"]
#[allow(dead_code)]
mod encode;

const ACCOUNT_ID: &str = "benchAccount";
const USERS: usize = 1_000;

/// A SQLite store loaded with a generated account of [`USERS`] users, in a directory that
/// lives as long as the store.
struct BenchStore {
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn open_store(runtime: &Runtime) -> BenchStore {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let path = dir.path().join("bench.db");
    let fixture = generate(&GenerateOptions {
        users: USERS,
        seed: 1,
        account_id: ACCOUNT_ID.to_owned(),
    });
    let fixture = Fixture::parse(&fixture.to_string()).expect("the generated fixture is valid");
    let store = runtime.block_on(async {
        let store = store::open(path.to_str().expect("UTF-8 temporary path"))
            .await
            .expect("open the store");
        store
            .apply_fixture(&fixture)
            .await
            .expect("load the generated fixture");
        store
    });
    BenchStore { store, _dir: dir }
}

fn token_verification(c: &mut Criterion) {
    let runtime = Runtime::new().expect("start a runtime");
    let bench = open_store(&runtime);
    let tokens = runtime
        .block_on(TokenService::new(
            Arc::clone(&bench.store),
            None,
            Duration::from_secs(3600),
        ))
        .expect("create the token service");
    let scopes = vec!["pac:read:admin".to_owned(), "user:read:admin".to_owned()];
    let token = runtime
        .block_on(tokens.issue(
            TokenKind::Account,
            ACCOUNT_ID,
            "benchAccountU0000000",
            "benchAccountClient",
            &scopes,
        ))
        .expect("issue a token");

    let mut group = c.benchmark_group("token_verification");
    group.bench_function("uncached", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(tokens.verify_without_cache(&token).await) });
    });
    group.bench_function("cached", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(tokens.verify_shared(&token).await) });
    });
    group.finish();
}

fn user_resolution(c: &mut Criterion) {
    let runtime = Runtime::new().expect("start a runtime");
    let bench = open_store(&runtime);
    let store = bench.store.as_ref();
    let user_id = "benchAccountU0000500";
    let email = "User0000500@BenchAccount.Example.com";

    // The cached variants include the data version check that every request makes.
    let mut group = c.benchmark_group("user_resolution");
    group.bench_function("by_id_query", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(store.user_by_id(ACCOUNT_ID, user_id).await) });
    });
    group.bench_function("by_id_cached", |b| {
        b.to_async(&runtime).iter(|| async {
            let reads = store::cached_reads(store).await.expect("data version");
            black_box(reads.user_by_id(store, ACCOUNT_ID, user_id).await)
        });
    });
    group.bench_function("by_email_query", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(store.user_by_email(ACCOUNT_ID, email).await) });
    });
    group.bench_function("by_email_cached", |b| {
        b.to_async(&runtime).iter(|| async {
            let reads = store::cached_reads(store).await.expect("data version");
            black_box(reads.user_by_email(store, ACCOUNT_ID, email).await)
        });
    });
    group.finish();
}

fn listing_encoding(c: &mut Criterion) {
    let runtime = Runtime::new().expect("start a runtime");
    let bench = open_store(&runtime);
    // The first user has two PAC accounts with four dial-in numbers each.
    let accounts: Vec<PacAccount> = runtime
        .block_on(bench.store.pac_accounts("benchAccountU0000000"))
        .expect("read PAC accounts");
    assert!(!accounts.is_empty(), "the benchmark user has PAC accounts");
    let list = PacAccountList {
        pac_accounts: accounts.clone(),
    };

    let mut group = c.benchmark_group("listing_encoding");
    for (name, quote_ids) in [("integer_ids", false), ("string_ids", true)] {
        group.bench_function(format!("{name}_via_value"), |b| {
            b.iter(|| black_box(encode::encode_listing_via_value(&list, quote_ids)));
        });
        group.bench_function(format!("{name}_direct"), |b| {
            b.iter(|| black_box(encode::encode_listing(&accounts, quote_ids)));
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    token_verification,
    user_resolution,
    listing_encoding
);
criterion_main!(benches);
