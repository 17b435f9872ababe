//! `zoom-pac rotate-key`: replace the token signing key in the database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use zoom_pac_server::auth::{self, KEY_RECHECK};
use zoom_pac_server::store;

use super::DatabaseArgs;

/// Replace the database's token signing key with a new random one, revoking every token
/// signed with the old key.
///
/// Servers started afterwards reject the old tokens at once. Running servers re-read the keys
/// at most every 30 seconds, so they stop accepting the old tokens within 30 seconds. Until
/// then they may still sign new tokens with the old key, and those tokens stop working too.
/// Servers and `zoom-pac token` runs given ZOOM_PAC_SIGNING_KEY do not use the database's key
/// and are not affected.
#[derive(Debug, Args)]
pub struct RotateKeyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub async fn run(args: RotateKeyArgs) -> anyhow::Result<ExitCode> {
    let database = &args.database.database;
    // Opening a SQLite path creates the file, which would rotate the key of a new, empty
    // database and leave the real one untouched.
    if is_file_path(database) && !Path::new(database).exists() {
        anyhow::bail!(
            "no database at {database:?}: give the path of the servers' database with --database"
        );
    }
    let store = store::open(database).await.with_context(|| {
        format!(
            "failed to open the database {}",
            store::redact_url(database)
        )
    })?;
    let key = auth::generate_signing_key();
    let kid = key.kid.clone();
    store
        .rotate_signing_key(key)
        .await
        .context("failed to store the new signing key")?;
    tracing::info!(key.id = %kid, "rotated the token signing key");
    println!(
        "Rotated the token signing key; the new key id is {kid}.\n\
         Tokens signed with the old key are rejected by servers started from now on, and by \
         running servers within {} seconds.",
        KEY_RECHECK.as_secs()
    );
    Ok(ExitCode::SUCCESS)
}

/// Returns `true` for a plain SQLite file path, `false` for a `sqlite:` or `scheme://` URL.
fn is_file_path(database: &str) -> bool {
    !database.starts_with("sqlite:") && !database.contains("://")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use zoom_pac_server::auth::{TokenError, TokenKind, TokenService};

    use super::*;

    fn args(database: &Path) -> RotateKeyArgs {
        RotateKeyArgs {
            database: DatabaseArgs {
                database: database.to_str().expect("a UTF-8 path").to_owned(),
            },
        }
    }

    async fn token_service(database: &Path) -> TokenService {
        let store = store::open(database.to_str().unwrap()).await.unwrap();
        TokenService::new(store, None, Duration::from_secs(3600))
            .await
            .unwrap()
    }

    async fn issue(tokens: &TokenService) -> String {
        tokens
            .issue(
                TokenKind::User,
                "acct1",
                "user1",
                "test",
                &["pac:read".to_owned()],
            )
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn rotation_revokes_old_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("zoom-pac.db");
        let before = token_service(&database).await;
        let old_token = issue(&before).await;
        assert!(before.verify(&old_token).await.is_ok());

        let code = run(args(&database)).await.unwrap();
        assert_eq!(code, ExitCode::SUCCESS);

        // A process started after the rotation, as a restarted server is.
        let after = token_service(&database).await;
        assert!(matches!(
            after.verify(&old_token).await,
            Err(TokenError::Invalid)
        ));
        let new_token = issue(&after).await;
        assert!(after.verify(&new_token).await.is_ok());
    }

    #[tokio::test]
    async fn missing_database_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("missing.db");
        let error = run(args(&database)).await.unwrap_err();
        assert!(error.to_string().contains("no database at"), "{error}");
        assert!(!database.exists(), "the command created the database");
    }

    #[test]
    fn urls_are_not_file_paths() {
        assert!(is_file_path("zoom-pac.db"));
        assert!(is_file_path("/var/lib/zoom-pac/zoom-pac.db"));
        assert!(!is_file_path("sqlite:zoom-pac.db"));
        assert!(!is_file_path("postgres://postgres@127.0.0.1/zoom"));
    }
}
