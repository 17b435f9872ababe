//! The JSON body of a PAC listing, written straight from the accounts.
//!
//! The benchmarks include this file by path to compare both encoders, so it names only
//! external crates.

use serde::{Serialize, Serializer};
use zoom_pac_model::{DialInNumber, PacAccount, PacAccountList};

/// Encodes `{"pac_accounts":[...]}`. With `quote_ids`, every `conference_id` is a JSON string
/// of its digits. Without it, `conference_id` is written as the model writes it: an integer
/// unless that would lose digits.
pub fn encode_listing(accounts: &[PacAccount], quote_ids: bool) -> serde_json::Result<Vec<u8>> {
    // A listing of two accounts with four numbers each takes about 500 bytes.
    let mut body = Vec::with_capacity(64 + 320 * accounts.len());
    if quote_ids {
        serde_json::to_writer(
            &mut body,
            &Listing {
                pac_accounts: QuotedAccounts(accounts),
            },
        )?;
    } else {
        serde_json::to_writer(
            &mut body,
            &Listing {
                pac_accounts: accounts,
            },
        )?;
    }
    Ok(body)
}

/// Encodes the listing by building a [`serde_json::Value`] and quoting its conference ids in
/// place, as the server did before [`encode_listing`]. Tests compare both encoders, and the
/// benchmarks use this one as the baseline.
#[cfg_attr(not(test), allow(dead_code))]
pub fn encode_listing_via_value(
    list: &PacAccountList,
    quote_ids: bool,
) -> serde_json::Result<Vec<u8>> {
    if !quote_ids {
        return serde_json::to_vec(list);
    }
    let mut value = serde_json::to_value(list)?;
    if let Some(accounts) = value
        .get_mut("pac_accounts")
        .and_then(serde_json::Value::as_array_mut)
    {
        for account in accounts {
            if let Some(id) = account.get_mut("conference_id")
                && let Some(number) = id.as_u64()
            {
                *id = serde_json::Value::String(number.to_string());
            }
        }
    }
    serde_json::to_vec(&value)
}

#[derive(Serialize)]
struct Listing<T> {
    pac_accounts: T,
}

struct QuotedAccounts<'a>(&'a [PacAccount]);

impl Serialize for QuotedAccounts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(QuotedAccount::new))
    }
}

/// A PAC account with its conference id as a string. The fields, their order and their
/// omission rules are those of [`PacAccount`].
#[derive(Serialize)]
struct QuotedAccount<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    conference_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    participant_password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listen_only_password: Option<&'a str>,
    dedicated_dial_in_number: &'a [DialInNumber],
    global_dial_in_numbers: &'a [DialInNumber],
}

impl<'a> QuotedAccount<'a> {
    fn new(account: &'a PacAccount) -> Self {
        Self {
            conference_id: account.conference_id.as_ref().map(|id| id.as_str()),
            participant_password: account.participant_password.as_deref(),
            listen_only_password: account.listen_only_password.as_deref(),
            dedicated_dial_in_number: &account.dedicated_dial_in_number,
            global_dial_in_numbers: &account.global_dial_in_numbers,
        }
    }
}
