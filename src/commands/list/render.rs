//! Text output of `list`: PAC accounts for people, indented JSON, headers and errors.

use std::fmt::Write as _;
use std::time::SystemTime;

use zoom_pac_client::header::HeaderMap;
use zoom_pac_client::model::{DialInNumber, PacAccount, PacAccountList};
use zoom_pac_client::{RateLimit, StatusCode};

/// Whether output may carry terminal escape codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Bold headings, for a terminal.
    Terminal,
    /// No escape codes, for pipes and files.
    Plain,
}

impl Style {
    fn heading(self, text: &str) -> String {
        match self {
            Style::Terminal => format!("\x1b[1m{text}\x1b[0m"),
            Style::Plain => text.to_owned(),
        }
    }
}

/// Formats the accounts for reading at a glance, one block per account.
pub fn accounts(list: &PacAccountList, user: &str, style: Style) -> String {
    if list.pac_accounts.is_empty() {
        return format!("{user} has no PAC accounts.\n");
    }
    let total = list.pac_accounts.len();
    let mut out = String::new();
    for (index, account) in list.pac_accounts.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let heading = style.heading(&format!("PAC account {} of {total}", index + 1));
        let _ = writeln!(out, "{heading}");
        account_block(&mut out, account);
    }
    out
}

/// The width of the label column: the longest label, "Dedicated dial-in numbers".
const LABEL_WIDTH: usize = 25;

fn account_block(out: &mut String, account: &PacAccount) {
    let conference_id = account.conference_id.as_ref().map(ToString::to_string);
    let fields = [
        ("Conference ID", conference_id.as_deref()),
        (
            "Participant password",
            account.participant_password.as_deref(),
        ),
        (
            "Listen-only password",
            account.listen_only_password.as_deref(),
        ),
    ];
    for (label, value) in fields {
        let _ = writeln!(out, "  {label:<LABEL_WIDTH$} {}", value.unwrap_or("(none)"));
    }
    numbers(
        out,
        "Dedicated dial-in numbers",
        &account.dedicated_dial_in_number,
    );
    numbers(
        out,
        "Global dial-in numbers",
        &account.global_dial_in_numbers,
    );
}

fn numbers(out: &mut String, label: &str, numbers: &[DialInNumber]) {
    if numbers.is_empty() {
        let _ = writeln!(out, "  {label:<LABEL_WIDTH$} (none)");
        return;
    }
    let _ = writeln!(out, "  {label}");
    let width = numbers
        .iter()
        .map(|n| n.number.chars().count())
        .max()
        .unwrap_or(0);
    for number in numbers {
        let _ = writeln!(out, "    {:<width$}  {}", number.number, number.country);
    }
}

/// Indents a JSON body without decoding its values, so numbers, strings, escapes and key
/// order stay exactly as the server sent them. Fails if the body is not valid JSON.
pub fn pretty_json(body: &[u8]) -> Result<String, serde_json::Error> {
    serde_json::from_slice::<serde::de::IgnoredAny>(body)?;
    // The check above guarantees valid JSON, which is UTF-8.
    let text = String::from_utf8_lossy(body);
    Ok(indent_json(&text))
}

/// Re-indents valid JSON text with two spaces per level. Empty objects and arrays stay on
/// one line.
fn indent_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|next| next.is_ascii_whitespace()) {
                    chars.next();
                }
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(close);
                } else {
                    depth += 1;
                    new_line(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                new_line(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                new_line(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

fn new_line(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Formats the status line and the headers, one per line, followed by a blank line.
pub fn status_and_headers(status: StatusCode, headers: &HeaderMap) -> String {
    let mut out = format!("HTTP {status}\n");
    for (name, value) in headers {
        let _ = writeln!(out, "{name}: {}", String::from_utf8_lossy(value.as_bytes()));
    }
    out.push('\n');
    out
}

/// Formats an error and its sources on one line, separated by `: `.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// Formats the rate-limit headers of a failed response, if it has any.
pub fn rate_limit(limit: &RateLimit) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(category) = &limit.category {
        parts.push(format!("category {category}"));
    }
    if let Some(limit_type) = &limit.limit_type {
        parts.push(format!("type {limit_type}"));
    }
    if let Some(max) = limit.limit {
        parts.push(format!("limit {max}"));
    }
    if let Some(remaining) = limit.remaining {
        parts.push(format!("remaining {remaining}"));
    }
    if let Some(retry_after) = &limit.retry_after {
        let wait = retry_after.delay_from(SystemTime::now());
        parts.push(format!("retry in {} s", wait.as_secs()));
    }
    (!parts.is_empty()).then(|| format!("rate limit: {}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_keeps_values_and_key_order() {
        let body = br#"{"z":1,"a":{"id":"0012","n":12345678901234567890123,"s":"a,b:{c}\"]"},"e":[ ],"o":{}}"#;
        let expected = r#"{
  "z": 1,
  "a": {
    "id": "0012",
    "n": 12345678901234567890123,
    "s": "a,b:{c}\"]"
  },
  "e": [],
  "o": {}
}
"#;
        assert_eq!(pretty_json(body).unwrap(), expected);
    }

    #[test]
    fn indent_rejects_invalid_json() {
        assert!(pretty_json(b"<html>").is_err());
        assert!(pretty_json(br#"{"a":"#).is_err());
    }

    #[test]
    fn plain_style_has_no_escape_codes() {
        let list: PacAccountList = serde_json::from_str(
            r#"{"pac_accounts":[{"conference_id":1,"dedicated_dial_in_number":[{"number":"1","country":"US"}]}]}"#,
        )
        .unwrap();
        let plain = accounts(&list, "me", Style::Plain);
        assert!(!plain.contains('\x1b'), "{plain}");
        let terminal = accounts(&list, "me", Style::Terminal);
        assert!(terminal.contains("\x1b[1m"), "{terminal}");
    }

    #[test]
    fn missing_values_read_none() {
        let list: PacAccountList = serde_json::from_str(r#"{"pac_accounts":[{}]}"#).unwrap();
        let text = accounts(&list, "me", Style::Plain);
        assert!(
            text.contains("  Conference ID             (none)\n"),
            "{text}"
        );
        assert!(
            text.contains("  Global dial-in numbers    (none)\n"),
            "{text}"
        );
    }
}
