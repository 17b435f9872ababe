//! The store test suite: every behaviour of the `Store` trait, run once against SQLite (a
//! file in a temporary directory per test) and once against PostgreSQL (a fresh database
//! per test, dropped at the end).
//!
//! The PostgreSQL half needs `ZOOM_PAC_TEST_POSTGRES_URL`, an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres` from which each test creates its own
//! database. Without it, those tests print that they were skipped and pass.

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Value, json};
use sqlx::Connection;
use zoom_pac_model::{ConferenceId, DialInNumber, PacAccount};
use zoom_pac_server::auth::secret;
use zoom_pac_server::fixture::Fixture;
use zoom_pac_server::store::{
    Account, LoadSummary, Plan, PostgresStore, SigningKey, SqliteStore, Store, StoreError, User,
    UserStatus,
};

const POSTGRES_URL_VAR: &str = "ZOOM_PAC_TEST_POSTGRES_URL";

const ALPHA: &str = "acctAlpha";
const BETA: &str = "acctBeta";
const ALICE: &str = "alpha-alice";
const ALICE_EMAIL: &str = "Alice.Smith@Example.COM";
const BOB: &str = "beta-bob";
const ALPHA_CLIENT_ID: &str = "alphaApp";
const ALPHA_CLIENT_SECRET: &str = "alphaSecret-0123456789";

/// Generates one test per backend for each listed test function: `sqlite::NAME` and
/// `postgres::NAME`.
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run_on_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run_on_postgres(super::$name).await;
                }
            )*
        }
    };
}

store_tests!(
    ping_succeeds,
    lookups_by_id_and_email,
    accounts_do_not_share_users,
    list_users_pages_by_seq,
    list_users_filters_by_status,
    seq_survives_updates_and_grows,
    pac_accounts_keep_load_order,
    apply_fixture_is_idempotent,
    apply_fixture_counts_changes,
    moving_user_rolls_back_load,
    taken_email_rolls_back_load,
    taken_conference_id_rolls_back_load,
    moving_app_rolls_back_load,
    signing_key_race_has_one_winner,
    rotate_replaces_every_key,
);

// ---------------------------------------------------------------------------------------
// Backends

/// Runs `test` on a SQLite store in a new temporary directory.
async fn run_on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(path.to_str().expect("UTF-8 temporary path"))
        .await
        .expect("open the SQLite store");
    test(Arc::new(store)).await;
}

/// Runs `test` on a PostgreSQL store in a new database, which is dropped afterwards even if
/// the test fails.
async fn run_on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("skipped: {POSTGRES_URL_VAR} is not set, so the PostgreSQL store is not tested");
        return;
    };
    let name = format!("zoompac_test_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the admin database");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create the test database");

    let store = PostgresStore::open(&database_url(&admin_url, &name))
        .await
        .expect("open the PostgreSQL store");
    // A panic inside the spawned task comes back as an error, so the database is dropped
    // before the panic is raised again.
    let outcome = tokio::spawn(test(Arc::new(store.clone()))).await;
    store.close().await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop the test database");
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Returns `admin_url` with its database name replaced by `name`, keeping any query.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |index| authority_start + index);
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

// ---------------------------------------------------------------------------------------
// Fixtures and dumps

fn number(number: &str, country: &str) -> Value {
    json!({ "number": number, "country": country })
}

/// Two accounts. Alpha has six active users (Alice first), one inactive and one pending;
/// Alice has three PAC accounts whose load order differs from the order of their ids. Beta
/// has one user. Each account has one app.
fn base_fixture() -> Value {
    let mut alpha_users = vec![
        json!({
            "id": ALICE,
            "email": ALICE_EMAIL,
            "first_name": "Alice",
            "last_name": "Smith",
            "type": 2,
            "created_at": "2024-02-03T04:05:06Z",
            "pac_accounts": [
                {
                    "conference_id": 9_000_000_001_u64,
                    "participant_password": "111111",
                    "listen_only_password": "222222",
                    "dedicated_dial_in_number": [
                        number("+44 2070000000", "GBR"),
                        number("+1 5550100", "USA"),
                    ],
                    "global_dial_in_numbers": [
                        number("+81 300000000", "JPN"),
                        number("+49 3000000", "DEU"),
                        number("+1 6465588656", "USA"),
                    ],
                },
                {
                    "conference_id": "100000002",
                    "participant_password": "a1b2",
                    "listen_only_password": "c3d4",
                    "global_dial_in_numbers": [number("+1 6465588656", "USA")],
                },
                {
                    "conference_id": 5_551_000_003_u64,
                    "participant_password": "9",
                    "listen_only_password": "8",
                },
            ],
        }),
        json!({ "id": "alpha-inactive", "email": "inactive@alpha.example", "status": "inactive" }),
        json!({
            "id": "alpha-pending",
            "email": "pending@alpha.example",
            "status": "pending",
            "pac_enabled": false,
            "type": 1,
        }),
    ];
    for index in 1..=5 {
        alpha_users.push(json!({
            "id": format!("alpha-p{index}"),
            "email": format!("p{index}@alpha.example"),
            "first_name": format!("Paging{index}"),
        }));
    }
    json!({
        "accounts": [
            {
                "id": ALPHA,
                "name": "Alpha Inc.",
                "plan": "business",
                "audio_conferencing": true,
                "users": alpha_users,
                "apps": [{
                    "client_id": ALPHA_CLIENT_ID,
                    "client_secret": ALPHA_CLIENT_SECRET,
                    "name": "Alpha reporting",
                    "owner": "alice.smith@example.com",
                    "scopes": ["pac:read:admin", "user:read:admin"],
                }],
            },
            {
                "id": BETA,
                "name": "Beta LLC",
                "plan": "pro",
                "audio_conferencing": true,
                "users": [{
                    "id": BOB,
                    "email": "bob@beta.example",
                    "pac_accounts": [{
                        "conference_id": 5_552_000_001_u64,
                        "participant_password": "123456",
                        "listen_only_password": "654321",
                        "dedicated_dial_in_number": [number("+33 100000000", "FRA")],
                    }],
                }],
                "apps": [{
                    "client_id": "betaApp",
                    "client_secret": "betaSecret-0123456789",
                    "owner": BOB,
                    "scopes": ["pac:read"],
                }],
            },
        ],
    })
}

fn parse(fixture: &Value) -> Fixture {
    Fixture::parse(&fixture.to_string()).expect("the test fixture is valid")
}

async fn load(store: &Arc<dyn Store>, fixture: &Value) -> LoadSummary {
    store
        .apply_fixture(&parse(fixture))
        .await
        .expect("load the fixture")
}

/// Returns the account entry with `id` of a fixture, to edit it.
fn account_mut<'a>(fixture: &'a mut Value, id: &str) -> &'a mut Value {
    fixture["accounts"]
        .as_array_mut()
        .expect("accounts array")
        .iter_mut()
        .find(|account| account["id"] == id)
        .expect("the account is in the fixture")
}

fn users_mut<'a>(fixture: &'a mut Value, account_id: &str) -> &'a mut Vec<Value> {
    account_mut(fixture, account_id)["users"]
        .as_array_mut()
        .expect("users array")
}

/// Everything the store returns about the test accounts: their users of every status with
/// their PAC accounts, and the apps.
#[derive(Debug, PartialEq)]
struct Dump {
    accounts: Vec<Option<Account>>,
    users: Vec<User>,
    user_counts: Vec<u64>,
    pac_accounts: Vec<(String, Vec<PacAccount>)>,
    apps: Vec<Option<zoom_pac_server::store::App>>,
}

async fn dump(store: &Arc<dyn Store>) -> Dump {
    let account_ids = [ALPHA, BETA];
    let statuses = [
        UserStatus::Active,
        UserStatus::Inactive,
        UserStatus::Pending,
    ];
    let mut accounts = Vec::new();
    let mut users = Vec::new();
    let mut user_counts = Vec::new();
    for account_id in account_ids {
        accounts.push(store.account(account_id).await.expect("read account"));
        for status in statuses {
            users.extend(
                store
                    .list_users(account_id, status, 0, 1000)
                    .await
                    .expect("list users"),
            );
            user_counts.push(
                store
                    .count_users(account_id, status)
                    .await
                    .expect("count users"),
            );
        }
    }
    let mut pac_accounts = Vec::new();
    for user in &users {
        let list = store.pac_accounts(&user.id).await.expect("read PAC");
        pac_accounts.push((user.id.clone(), list));
    }
    let mut apps = Vec::new();
    for client_id in [ALPHA_CLIENT_ID, "betaApp"] {
        apps.push(store.app(client_id).await.expect("read app"));
    }
    Dump {
        accounts,
        users,
        user_counts,
        pac_accounts,
        apps,
    }
}

/// Loads `conflicting` on top of the base fixture, expects a conflict, and checks that the
/// store is exactly as before.
async fn assert_load_rolls_back(store: &Arc<dyn Store>, conflicting: &Value) {
    load(store, &base_fixture()).await;
    let before = dump(store).await;

    let result = store.apply_fixture(&parse(conflicting)).await;

    match result {
        Err(StoreError::Conflict(message)) => assert!(!message.is_empty()),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let after = dump(store).await;
    assert_eq!(after, before, "a failed load changed the store");
}

/// Returns the base fixture with changes ahead of any conflict: Alpha renamed, and a new
/// Alpha user with a PAC account. A rolled-back load must undo these too. Alice and Alpha's
/// app, which she owns, are left out, so that a conflict can name her stored id, email or
/// conference id without the file itself repeating a value.
fn fixture_with_early_changes() -> Value {
    let mut fixture = base_fixture();
    let alpha = account_mut(&mut fixture, ALPHA);
    alpha["name"] = json!("Alpha Renamed");
    alpha["apps"] = json!([]);
    let users = users_mut(&mut fixture, ALPHA);
    users.retain(|user| user["id"] != ALICE);
    users.push(json!({
        "id": "alpha-new",
        "email": "new@alpha.example",
        "pac_accounts": [{
            "conference_id": 7_770_000_001_u64,
            "participant_password": "1",
            "listen_only_password": "2",
        }],
    }));
    fixture
}

fn key(kid: &str, fill: u8) -> SigningKey {
    SigningKey {
        kid: kid.to_owned(),
        secret: vec![fill; 64],
    }
}

// ---------------------------------------------------------------------------------------
// Tests

async fn ping_succeeds(store: Arc<dyn Store>) {
    store.ping().await.expect("ping an empty store");
}

async fn lookups_by_id_and_email(store: Arc<dyn Store>) {
    load(&store, &base_fixture()).await;

    let account = store.account(ALPHA).await.unwrap().expect("Alpha exists");
    assert_eq!(
        account,
        Account {
            id: ALPHA.to_owned(),
            name: "Alpha Inc.".to_owned(),
            plan: Plan::Business,
            audio_conferencing: true,
        }
    );
    assert_eq!(store.account("acctMissing").await.unwrap(), None);

    let alice = store
        .user_by_id(ALPHA, ALICE)
        .await
        .unwrap()
        .expect("Alice by id");
    assert_eq!(alice.account_id, ALPHA);
    assert_eq!(alice.email, ALICE_EMAIL, "the email keeps its case");
    assert_eq!(alice.first_name, "Alice");
    assert_eq!(alice.last_name, "Smith");
    assert_eq!(alice.user_type, 2);
    assert_eq!(alice.status, UserStatus::Active);
    assert!(alice.pac_enabled);
    assert_eq!(alice.created_at, "2024-02-03T04:05:06Z");

    for email in [
        ALICE_EMAIL,
        "alice.smith@example.com",
        "ALICE.SMITH@EXAMPLE.COM",
    ] {
        let found = store.user_by_email(ALPHA, email).await.unwrap();
        assert_eq!(found.as_ref(), Some(&alice), "lookup by {email}");
    }
    assert_eq!(
        store
            .user_by_email(ALPHA, "nobody@alpha.example")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.user_by_id(ALPHA, "alpha-missing").await.unwrap(),
        None
    );

    let pending = store
        .user_by_id(ALPHA, "alpha-pending")
        .await
        .unwrap()
        .expect("pending user");
    assert_eq!(pending.status, UserStatus::Pending);
    assert_eq!(pending.user_type, 1);
    assert!(!pending.pac_enabled);

    let bob = store
        .user_by_email_in_any_account("BOB@Beta.Example")
        .await
        .unwrap()
        .expect("Bob in any account");
    assert_eq!(bob.id, BOB);
    assert_eq!(bob.account_id, BETA);
    assert_eq!(
        store
            .user_by_email_in_any_account("nobody@beta.example")
            .await
            .unwrap(),
        None
    );

    let app = store
        .app(ALPHA_CLIENT_ID)
        .await
        .unwrap()
        .expect("Alpha's app");
    assert_eq!(app.account_id, ALPHA);
    assert_eq!(
        app.owner_user_id, ALICE,
        "the owner email resolves to the id"
    );
    assert_eq!(app.name, "Alpha reporting");
    assert_eq!(
        app.secret_sha256,
        secret::digest(ALPHA_CLIENT_ID, ALPHA_CLIENT_SECRET)
    );
    assert_eq!(app.scopes, ["pac:read:admin", "user:read:admin"]);
    assert_eq!(store.app("missingApp").await.unwrap(), None);
}

async fn accounts_do_not_share_users(store: Arc<dyn Store>) {
    load(&store, &base_fixture()).await;

    assert_eq!(store.user_by_id(BETA, ALICE).await.unwrap(), None);
    assert_eq!(store.user_by_email(BETA, ALICE_EMAIL).await.unwrap(), None);
    assert_eq!(store.user_by_id(ALPHA, BOB).await.unwrap(), None);
    assert_eq!(
        store
            .user_by_email(ALPHA, "bob@beta.example")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.user_by_id("acctMissing", ALICE).await.unwrap(), None);

    let beta_users = store
        .list_users(BETA, UserStatus::Active, 0, 100)
        .await
        .unwrap();
    let beta_ids: Vec<&str> = beta_users.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(beta_ids, [BOB]);
    assert_eq!(
        store.count_users(BETA, UserStatus::Active).await.unwrap(),
        1
    );
    assert_eq!(
        store
            .count_users("acctMissing", UserStatus::Active)
            .await
            .unwrap(),
        0
    );
}

async fn list_users_pages_by_seq(store: Arc<dyn Store>) {
    load(&store, &base_fixture()).await;

    let first = store
        .list_users(ALPHA, UserStatus::Active, 0, 4)
        .await
        .unwrap();
    let first_ids: Vec<&str> = first.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(first_ids, [ALICE, "alpha-p1", "alpha-p2", "alpha-p3"]);
    assert!(
        first.windows(2).all(|pair| pair[0].seq < pair[1].seq),
        "seq ascends: {first:?}"
    );

    let after = first.last().unwrap().seq;
    let second = store
        .list_users(ALPHA, UserStatus::Active, after, 4)
        .await
        .unwrap();
    let second_ids: Vec<&str> = second.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(second_ids, ["alpha-p4", "alpha-p5"]);

    let after = second.last().unwrap().seq;
    let third = store
        .list_users(ALPHA, UserStatus::Active, after, 4)
        .await
        .unwrap();
    assert!(third.is_empty(), "{third:?}");

    let none = store
        .list_users(ALPHA, UserStatus::Active, 0, 0)
        .await
        .unwrap();
    assert!(none.is_empty(), "limit 0 lists nothing: {none:?}");
    assert_eq!(
        store.count_users(ALPHA, UserStatus::Active).await.unwrap(),
        6
    );
}

async fn list_users_filters_by_status(store: Arc<dyn Store>) {
    load(&store, &base_fixture()).await;

    let cases = [
        (UserStatus::Active, 6, ALICE),
        (UserStatus::Inactive, 1, "alpha-inactive"),
        (UserStatus::Pending, 1, "alpha-pending"),
    ];
    for (status, count, first_id) in cases {
        let users = store.list_users(ALPHA, status, 0, 100).await.unwrap();
        assert_eq!(users.len(), count, "{status:?}");
        assert_eq!(users[0].id, first_id, "{status:?}");
        assert!(users.iter().all(|user| user.status == status), "{users:?}");
        assert_eq!(
            store.count_users(ALPHA, status).await.unwrap(),
            count as u64,
            "{status:?}"
        );
    }
}

async fn seq_survives_updates_and_grows(store: Arc<dyn Store>) {
    load(&store, &base_fixture()).await;
    let before = store
        .list_users(ALPHA, UserStatus::Active, 0, 100)
        .await
        .unwrap();

    let mut fixture = base_fixture();
    users_mut(&mut fixture, ALPHA)[0]["first_name"] = json!("Alicia");
    users_mut(&mut fixture, ALPHA).push(json!({ "id": "alpha-p6", "email": "p6@alpha.example" }));
    load(&store, &fixture).await;

    let after = store
        .list_users(ALPHA, UserStatus::Active, 0, 100)
        .await
        .unwrap();
    assert_eq!(after.len(), before.len() + 1);
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old.id, new.id);
        assert_eq!(old.seq, new.seq, "an update keeps the seq of {}", old.id);
    }
    assert_eq!(after[0].first_name, "Alicia");
    let added = after.last().unwrap();
    assert_eq!(added.id, "alpha-p6");
    let max_before = before.iter().map(|user| user.seq).max().unwrap();
    assert!(added.seq > max_before, "{} <= {max_before}", added.seq);

    // A page read before the addition continues with the added user.
    let next = store
        .list_users(ALPHA, UserStatus::Active, max_before, 100)
        .await
        .unwrap();
    let next_ids: Vec<&str> = next.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(next_ids, ["alpha-p6"]);
}

async fn pac_accounts_keep_load_order(store: Arc<dyn Store>) {
    let fixture = base_fixture();
    load(&store, &fixture).await;

    let alice = store.pac_accounts(ALICE).await.unwrap();
    let ids: Vec<String> = alice
        .iter()
        .map(|pac| pac.conference_id.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["9000000001", "100000002", "5551000003"]);

    let first = &alice[0];
    assert_eq!(first.participant_password.as_deref(), Some("111111"));
    assert_eq!(first.listen_only_password.as_deref(), Some("222222"));
    assert_eq!(
        first.dedicated_dial_in_number,
        [
            DialInNumber {
                number: "+44 2070000000".to_owned(),
                country: "GBR".to_owned(),
            },
            DialInNumber {
                number: "+1 5550100".to_owned(),
                country: "USA".to_owned(),
            },
        ]
    );
    let global: Vec<&str> = first
        .global_dial_in_numbers
        .iter()
        .map(|number| number.country.as_str())
        .collect();
    assert_eq!(global, ["JPN", "DEU", "USA"]);

    assert!(alice[1].dedicated_dial_in_number.is_empty());
    assert_eq!(alice[1].global_dial_in_numbers.len(), 1);
    assert!(alice[2].dedicated_dial_in_number.is_empty());
    assert!(alice[2].global_dial_in_numbers.is_empty());
    assert_eq!(
        alice[1].conference_id,
        Some(ConferenceId::from_str("100000002").unwrap())
    );

    let expected: Vec<PacAccount> = parse(&fixture).accounts[0].users[0]
        .pac_accounts
        .iter()
        .map(|pac| pac.to_model())
        .collect();
    assert_eq!(alice, expected);

    assert!(store.pac_accounts("alpha-p1").await.unwrap().is_empty());
    assert!(store.pac_accounts("user-missing").await.unwrap().is_empty());
    assert_eq!(store.pac_accounts(BOB).await.unwrap().len(), 1);
}

async fn apply_fixture_is_idempotent(store: Arc<dyn Store>) {
    let fixture = base_fixture();
    let first = load(&store, &fixture).await;
    assert_eq!(
        first,
        LoadSummary {
            accounts: 2,
            users: 9,
            pac_accounts: 4,
            apps: 2,
        }
    );
    let before = dump(&store).await;

    let second = load(&store, &fixture).await;

    assert_eq!(second, LoadSummary::default());
    assert_eq!(dump(&store).await, before);
}

async fn apply_fixture_counts_changes(store: Arc<dyn Store>) {
    load(&store, &base_fixture()).await;

    let mut fixture = base_fixture();
    account_mut(&mut fixture, BETA)["name"] = json!("Beta Renamed");
    users_mut(&mut fixture, ALPHA)[1]["last_name"] = json!("Changed");
    users_mut(&mut fixture, ALPHA)[0]["pac_accounts"][1]["participant_password"] = json!("zz");
    account_mut(&mut fixture, BETA)["apps"][0]["scopes"] = json!(["pac:read", "pac:read:admin"]);

    let summary = load(&store, &fixture).await;

    // Changing one of Alice's PAC accounts rewrites her whole list of three.
    assert_eq!(
        summary,
        LoadSummary {
            accounts: 1,
            users: 1,
            pac_accounts: 3,
            apps: 1,
        }
    );
    let beta = store.account(BETA).await.unwrap().unwrap();
    assert_eq!(beta.name, "Beta Renamed");
    let inactive = store
        .user_by_id(ALPHA, "alpha-inactive")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inactive.last_name, "Changed");
    let alice = store.pac_accounts(ALICE).await.unwrap();
    assert_eq!(alice[1].participant_password.as_deref(), Some("zz"));
    let app = store.app("betaApp").await.unwrap().unwrap();
    assert_eq!(app.scopes, ["pac:read", "pac:read:admin"]);
}

async fn moving_user_rolls_back_load(store: Arc<dyn Store>) {
    let mut fixture = fixture_with_early_changes();
    users_mut(&mut fixture, BETA).push(json!({ "id": ALICE, "email": ALICE_EMAIL }));

    assert_load_rolls_back(&store, &fixture).await;
    assert_eq!(store.user_by_id(ALPHA, "alpha-new").await.unwrap(), None);
    assert_eq!(store.user_by_id(BETA, ALICE).await.unwrap(), None);
}

async fn taken_email_rolls_back_load(store: Arc<dyn Store>) {
    let mut fixture = fixture_with_early_changes();
    users_mut(&mut fixture, BETA).push(json!({
        "id": "beta-copycat",
        "email": "ALICE.smith@example.com",
    }));

    assert_load_rolls_back(&store, &fixture).await;
    assert_eq!(
        store.account(ALPHA).await.unwrap().unwrap().name,
        "Alpha Inc."
    );
    assert_eq!(store.user_by_id(BETA, "beta-copycat").await.unwrap(), None);
}

async fn taken_conference_id_rolls_back_load(store: Arc<dyn Store>) {
    let mut fixture = fixture_with_early_changes();
    users_mut(&mut fixture, BETA)[0]["pac_accounts"] = json!([{
        "conference_id": 9_000_000_001_u64,
        "participant_password": "1",
        "listen_only_password": "2",
    }]);

    assert_load_rolls_back(&store, &fixture).await;
    assert_eq!(store.pac_accounts(ALICE).await.unwrap().len(), 3);
    assert_eq!(store.pac_accounts("alpha-new").await.unwrap(), []);
    let bob = store.pac_accounts(BOB).await.unwrap();
    assert_eq!(bob[0].participant_password.as_deref(), Some("123456"));
}

async fn moving_app_rolls_back_load(store: Arc<dyn Store>) {
    let mut fixture = fixture_with_early_changes();
    account_mut(&mut fixture, BETA)["apps"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "client_id": ALPHA_CLIENT_ID,
            "client_secret": ALPHA_CLIENT_SECRET,
            "owner": BOB,
            "scopes": ["pac:read"],
        }));

    assert_load_rolls_back(&store, &fixture).await;
    let app = store.app(ALPHA_CLIENT_ID).await.unwrap().unwrap();
    assert_eq!(app.account_id, ALPHA);
}

async fn signing_key_race_has_one_winner(store: Arc<dyn Store>) {
    const RACERS: u8 = 8;
    let mut tasks = Vec::new();
    for index in 0..RACERS {
        let store = Arc::clone(&store);
        let candidate = key(&format!("{index:016x}"), index);
        tasks.push(tokio::spawn(async move {
            store.current_signing_key_or_insert(candidate).await
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        winners.push(task.await.unwrap().expect("get or insert the key"));
    }

    let winner = winners[0].clone();
    assert!(
        winners.iter().all(|key| *key == winner),
        "the racers disagree: {winners:?}"
    );
    let index = u8::from_str_radix(&winner.kid, 16).expect("a candidate's kid");
    assert_eq!(
        winner.secret,
        vec![index; 64],
        "the winner is a whole candidate"
    );
    for index in 0..RACERS {
        let kid = format!("{index:016x}");
        let stored = store.signing_key(&kid).await.unwrap();
        if kid == winner.kid {
            assert_eq!(stored.as_ref(), Some(&winner));
        } else {
            assert_eq!(stored, None, "the losing candidate {kid} was stored");
        }
    }

    let later = store
        .current_signing_key_or_insert(key("ffffffffffffffff", 0xff))
        .await
        .unwrap();
    assert_eq!(
        later, winner,
        "an existing current key wins over a new candidate"
    );
}

async fn rotate_replaces_every_key(store: Arc<dyn Store>) {
    let first = key("00000000000000a1", 1);
    let current = store
        .current_signing_key_or_insert(first.clone())
        .await
        .unwrap();
    assert_eq!(current, first);

    let second = key("00000000000000b2", 2);
    store.rotate_signing_key(second.clone()).await.unwrap();

    assert_eq!(store.signing_key(&first.kid).await.unwrap(), None);
    assert_eq!(
        store.signing_key(&second.kid).await.unwrap(),
        Some(second.clone())
    );
    let current = store
        .current_signing_key_or_insert(key("00000000000000c3", 3))
        .await
        .unwrap();
    assert_eq!(current, second);

    let third = key("00000000000000d4", 4);
    store.rotate_signing_key(third.clone()).await.unwrap();
    assert_eq!(store.signing_key(&second.kid).await.unwrap(), None);
    let current = store
        .current_signing_key_or_insert(key("00000000000000e5", 5))
        .await
        .unwrap();
    assert_eq!(current, third);
}
