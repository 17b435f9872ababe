//! `zoom-pac token`: mint a user-level access token straight from the database.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use zoom_pac_server::auth::{TokenKind, TokenService};
use zoom_pac_server::store;

use super::{DatabaseArgs, SigningKeyArgs};

/// The client id written into tokens that this command mints.
const CLI_CLIENT_ID: &str = "zoom-pac-cli";

/// Mint a user-level access token for a user of the database, and print it.
///
/// The token acts for that user: `me` means the user, and the non-admin scopes (pac:read,
/// pac:read:list_pac_accounts) allow only the user's own PAC accounts. The server must use
/// the same database, or the same ZOOM_PAC_SIGNING_KEY, to accept it.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The email of the user the token acts for.
    #[arg(long, value_name = "EMAIL")]
    pub user: String,
    /// The scopes to grant, separated by spaces or commas.
    #[arg(long, default_value = "pac:read")]
    pub scopes: String,
    /// The token's lifetime in seconds; 0 mints a token that is already expired.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub expires_in: u64,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub signing_key: SigningKeyArgs,
}

pub async fn run(args: TokenArgs) -> anyhow::Result<ExitCode> {
    let scopes: Vec<String> = args
        .scopes
        .split([' ', ','])
        .filter(|scope| !scope.is_empty())
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        anyhow::bail!("--scopes is empty: give at least one scope, such as pac:read");
    }
    let key = args.signing_key.key()?;
    let store = store::open(&args.database.database)
        .await
        .context("failed to open the database")?;
    let user = store
        .user_by_email_in_any_account(&args.user)
        .await?
        .with_context(|| format!("no user has the email {:?} in this database", args.user))?;
    let tokens = TokenService::new(store, key.as_deref(), Duration::from_secs(args.expires_in))
        .await
        .context("failed to load the signing key")?;
    let token = tokens
        .issue(
            TokenKind::User,
            &user.account_id,
            &user.id,
            CLI_CLIENT_ID,
            &scopes,
        )
        .await?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
