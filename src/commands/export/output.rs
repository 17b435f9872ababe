//! Writing exported users as CSV or JSON Lines, to stdout or to a file that appears only
//! when the export ends.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;
use zoom_pac_client::model::{PacAccount, PacAccountList, User};

use super::Format;

/// One line of JSON Lines output, with its fields in this order.
#[derive(Serialize)]
struct UserLine<'a> {
    user_id: &'a str,
    email: &'a str,
    status: Option<&'a str>,
    pac_enabled: bool,
    pac_accounts: &'a [PacAccount],
}

/// The outcome of fetching one user's PAC accounts.
pub enum UserResult {
    Accounts(PacAccountList),
    /// The user does not have PAC enabled (Zoom code 2024).
    PacDisabled,
}

const CSV_HEADER: [&str; 10] = [
    "user_id",
    "email",
    "status",
    "pac_enabled",
    "conference_id",
    "participant_password",
    "listen_only_password",
    "number_type",
    "number",
    "country",
];

enum Target {
    Stdout,
    /// A temporary file next to `path`, renamed to `path` by [`Sink::finish`].
    File {
        temporary: PathBuf,
        path: PathBuf,
    },
}

/// The destination of an export.
pub struct Sink {
    format: Format,
    /// `None` once the output was finished or discarded.
    target: Option<Target>,
    csv: Option<csv::Writer<Box<dyn Write>>>,
    jsonl: Option<Box<dyn Write>>,
}

impl Sink {
    /// Opens stdout, or a temporary file in the directory of `path`.
    pub fn open(path: Option<&Path>, format: Format) -> anyhow::Result<Sink> {
        let (target, writer): (Target, Box<dyn Write>) = match path {
            None => (Target::Stdout, Box::new(BufWriter::new(io::stdout()))),
            Some(path) => {
                let name = path
                    .file_name()
                    .with_context(|| format!("invalid output path {}", path.display()))?;
                let temporary = path.with_file_name(format!(
                    ".{}.partial-{}",
                    name.to_string_lossy(),
                    std::process::id()
                ));
                let file = File::create(&temporary)
                    .with_context(|| format!("failed to create {}", temporary.display()))?;
                (
                    Target::File {
                        temporary,
                        path: path.to_owned(),
                    },
                    Box::new(BufWriter::new(file)),
                )
            }
        };
        let mut sink = Sink {
            format,
            target: Some(target),
            csv: None,
            jsonl: None,
        };
        match format {
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(writer);
                writer.write_record(CSV_HEADER)?;
                sink.csv = Some(writer);
            }
            Format::Jsonl => sink.jsonl = Some(writer),
        }
        Ok(sink)
    }

    /// Writes one user and returns the number of rows or lines written.
    pub fn write(&mut self, user: &User, result: &UserResult) -> anyhow::Result<u64> {
        let written = match self.format {
            Format::Csv => self.write_csv(user, result),
            Format::Jsonl => self.write_jsonl(user, result),
        };
        written.context("failed to write the output")
    }

    fn write_csv(&mut self, user: &User, result: &UserResult) -> anyhow::Result<u64> {
        let Some(writer) = self.csv.as_mut() else {
            return Ok(0);
        };
        let status = user.status.as_deref().unwrap_or_default();
        let accounts = match result {
            UserResult::PacDisabled => {
                writer.write_record([
                    &user.id,
                    &user.email,
                    status,
                    "false",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ])?;
                return Ok(1);
            }
            UserResult::Accounts(list) => &list.pac_accounts,
        };
        if accounts.is_empty() {
            writer.write_record([
                &user.id,
                &user.email,
                status,
                "true",
                "",
                "",
                "",
                "",
                "",
                "",
            ])?;
            return Ok(1);
        }
        let mut rows = 0;
        for account in accounts {
            let conference_id = account
                .conference_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let participant = account.participant_password.as_deref().unwrap_or_default();
            let listen_only = account.listen_only_password.as_deref().unwrap_or_default();
            let numbers = account
                .dedicated_dial_in_number
                .iter()
                .map(|number| ("dedicated", number))
                .chain(
                    account
                        .global_dial_in_numbers
                        .iter()
                        .map(|number| ("global", number)),
                );
            let mut any = false;
            for (kind, number) in numbers {
                any = true;
                writer.write_record([
                    &user.id,
                    &user.email,
                    status,
                    "true",
                    &conference_id,
                    participant,
                    listen_only,
                    kind,
                    &number.number,
                    &number.country,
                ])?;
                rows += 1;
            }
            if !any {
                writer.write_record([
                    &user.id,
                    &user.email,
                    status,
                    "true",
                    &conference_id,
                    participant,
                    listen_only,
                    "",
                    "",
                    "",
                ])?;
                rows += 1;
            }
        }
        Ok(rows)
    }

    fn write_jsonl(&mut self, user: &User, result: &UserResult) -> anyhow::Result<u64> {
        let Some(writer) = self.jsonl.as_mut() else {
            return Ok(0);
        };
        let (pac_enabled, pac_accounts) = match result {
            UserResult::PacDisabled => (false, &[][..]),
            UserResult::Accounts(list) => (true, list.pac_accounts.as_slice()),
        };
        let line = UserLine {
            user_id: &user.id,
            email: &user.email,
            status: user.status.as_deref(),
            pac_enabled,
            pac_accounts,
        };
        serde_json::to_writer(&mut *writer, &line)?;
        writer.write_all(b"\n")?;
        Ok(1)
    }

    /// Flushes the output and moves a temporary file to its final name. Returns where the
    /// output went, for the summary.
    pub fn finish(mut self) -> anyhow::Result<String> {
        if let Some(writer) = self.csv.take() {
            let mut inner = writer.into_inner().map_err(|error| {
                anyhow::anyhow!("failed to write the output: {}", error.error())
            })?;
            inner.flush()?;
        }
        if let Some(mut writer) = self.jsonl.take() {
            writer.flush().context("failed to write the output")?;
        }
        match self.target.take() {
            None | Some(Target::Stdout) => Ok("stdout".to_owned()),
            Some(Target::File { temporary, path }) => {
                std::fs::rename(&temporary, &path).with_context(|| {
                    format!(
                        "failed to move {} to {}",
                        temporary.display(),
                        path.display()
                    )
                })?;
                Ok(path.display().to_string())
            }
        }
    }

    /// Drops what was written: a temporary file is removed, and an existing file at the
    /// output path is left as it was.
    pub fn discard(&mut self) {
        self.csv = None;
        self.jsonl = None;
        if let Some(Target::File { temporary, .. }) = self.target.take()
            && let Err(error) = std::fs::remove_file(&temporary)
        {
            tracing::warn!(%error, path = %temporary.display(), "failed to remove the partial output file");
        }
    }
}

impl Drop for Sink {
    /// Removes the temporary file of an export that ended without [`Sink::finish`], such as
    /// one that failed with an error.
    fn drop(&mut self) {
        self.discard();
    }
}
