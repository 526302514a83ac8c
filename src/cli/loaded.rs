//! What the loading commands say when their files are done: where the
//! rejects went, which files could not be read, the summary line, and the
//! exit status (interface.md).

use std::process::ExitCode;

use super::args::EXIT_REJECTED;
use crate::ingest::{self, FileSummary, Loaded};

/// An error and its causes in one line, each cause once: several errors
/// already end with their source's text.
pub(super) fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut chain: Vec<String> = Vec::new();
    for cause in std::iter::successors(Some(e), |e| e.source()) {
        let text = cause.to_string();
        if !chain.last().is_some_and(|said| said.ends_with(&text)) {
            chain.push(text);
        }
    }
    chain.join(": ")
}

/// Where a file's rejects were listed, when it had any (reports, premises
/// and outcomes alike).
fn rejects_line(summary: &FileSummary) -> Option<String> {
    let (Some(rejects), true) = (&summary.rejects_csv, summary.counts.rejected > 0) else {
        return None;
    };
    let rows = if summary.counts.rejected == 1 {
        "row"
    } else {
        "rows"
    };
    Some(format!(
        "{}: {} rejected {rows} listed in {}",
        summary.file,
        summary.counts.rejected,
        rejects.display()
    ))
}

/// A loaded file whose rejects file could not be written: it is loaded all
/// the same, and where its rejects are kept.
fn unwritten_line(summary: &FileSummary, why: &str) -> String {
    let run = summary.counts.run_id;
    let kept = match summary.counts.rejected {
        0 => "it had no rejected rows".to_owned(),
        n => format!(
            "its {n} rejected {} kept with that load (the server's /loads/{run} lists them; \
             --rejects PATH writes them elsewhere next time)",
            if n == 1 { "row is" } else { "rows are" }
        ),
    };
    format!(
        "hotspots: {why}; {} is loaded all the same (load {run}), and {kept}",
        summary.file
    )
}

/// What a loading command says when its files are done.
#[derive(Debug, PartialEq)]
struct Said {
    /// Standard error before the summary line: each file's rejects, each
    /// file that could not be read.
    before: Vec<String>,
    /// The summary line of the files loaded (standard output).
    summary: String,
    /// Standard error after it: what did not go as asked.
    after: Vec<String>,
    exit: ExitCode,
}

/// What to say of `loaded`: each file's rejects, each file that could not be
/// read, the summary line of the files loaded, then what did not go as
/// asked: a rejects file that could not be written (its file is loaded all
/// the same), and the file a failure stopped at (those before it are kept).
/// Exits 1 when any of those happened, else `EXIT_REJECTED` when `strict`
/// and a row was rejected.
fn said(loaded: &Loaded, strict: bool) -> Said {
    let mut before: Vec<String> = loaded.summaries.iter().filter_map(rejects_line).collect();
    before.extend(
        loaded
            .unreadable
            .iter()
            .map(|e| format!("hotspots: {}", error_text(e))),
    );
    let mut after: Vec<String> = loaded
        .summaries
        .iter()
        .filter_map(|s| Some(unwritten_line(s, s.rejects_unwritten.as_deref()?)))
        .collect();
    let files = loaded.summaries.len() + loaded.unreadable.len();
    if !loaded.unreadable.is_empty() && files > 1 && loaded.stopped.is_none() {
        after.push(format!(
            "hotspots: {} of {files} files could not be read and were not loaded; the other {} were",
            loaded.unreadable.len(),
            loaded.summaries.len()
        ));
    }
    if let Some((file, e)) = &loaded.stopped {
        let why = error_text(e);
        if why.starts_with(file.as_str()) {
            after.push(format!("hotspots: {why}"));
        } else {
            after.push(format!("hotspots: {file}: {why}"));
        }
        let kept = match loaded.summaries.len() {
            0 => "no file was loaded before it".to_owned(),
            1 => "the one file loaded before it is kept".to_owned(),
            n => format!("the {n} files loaded before it are kept"),
        };
        after.push(format!(
            "hotspots: stopped at {file}: nothing of it is stored and no file after it was tried; {kept}"
        ));
    }
    let failed = !loaded.unreadable.is_empty()
        || loaded.stopped.is_some()
        || loaded
            .summaries
            .iter()
            .any(|s| s.rejects_unwritten.is_some());
    let rejected: u64 = loaded.summaries.iter().map(|s| s.counts.rejected).sum();
    let exit = if failed {
        ExitCode::FAILURE
    } else if strict && rejected > 0 {
        ExitCode::from(EXIT_REJECTED)
    } else {
        ExitCode::SUCCESS
    };
    Said {
        before,
        summary: ingest::summary_line(&loaded.summaries),
        after,
        exit,
    }
}

/// Says what a loading command did with its files ([`said`]) and answers
/// its exit status.
pub(super) fn say_loaded(loaded: &Loaded, strict: bool) -> ExitCode {
    let said = said(loaded, strict);
    said.before.iter().for_each(|line| eprintln!("{line}"));
    println!("{}", said.summary);
    said.after.iter().for_each(|line| eprintln!("{line}"));
    said.exit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::PipelineError;
    use crate::store::LoadCounts;

    fn summary(file: &str, run_id: i64, rejected: u64) -> FileSummary {
        FileSummary {
            file: file.into(),
            counts: LoadCounts {
                run_id,
                read: 10,
                stored: 10 - rejected,
                duplicates: 0,
                rejected,
            },
            sha256: String::new(),
            rejects_csv: Some(format!("{file}.rejects.csv").into()),
            rejects_unwritten: None,
        }
    }

    /// A failure that stopped the loads names its file and what is kept;
    /// the files loaded before it are summed and their rejects said.
    #[test]
    fn a_stopped_load_says_where_it_stopped_and_what_is_kept() {
        let stopped = |kept: usize| Loaded {
            summaries: (0..kept)
                .map(|i| summary(&format!("{i}.csv"), i as i64 + 1, 1))
                .collect(),
            unreadable: Vec::new(),
            stopped: Some((
                "late.csv".into(),
                PipelineError::Injected {
                    file: "late.csv".into(),
                    rows: 7,
                },
            )),
        };
        let said_of_two = said(&stopped(2), false);
        assert_eq!(
            said_of_two,
            Said {
                before: vec![
                    "0.csv: 1 rejected row listed in 0.csv.rejects.csv".into(),
                    "1.csv: 1 rejected row listed in 1.csv.rejects.csv".into(),
                ],
                summary: "read 20, stored 18, duplicates 0, rejected 2".into(),
                after: vec![
                    "hotspots: late.csv: stopped after 7 rows (injected failure)".into(),
                    "hotspots: stopped at late.csv: nothing of it is stored and no file after it \
                     was tried; the 2 files loaded before it are kept"
                        .into(),
                ],
                exit: ExitCode::FAILURE,
            }
        );
        assert!(
            said(&stopped(1), true).after[1].ends_with("; the one file loaded before it is kept")
        );
        let none = said(&stopped(0), false);
        assert_eq!(none.summary, "read 0, stored 0, duplicates 0, rejected 0");
        assert!(none.after[1].ends_with("; no file was loaded before it"));
    }

    /// A rejects file that could not be written fails the command though its
    /// file is loaded; without that, `strict` decides on rejected rows.
    #[test]
    fn exit_status_by_what_happened() {
        let mut loaded = Loaded {
            summaries: vec![summary("a.csv", 1, 0), summary("b.csv", 2, 2)],
            ..Loaded::default()
        };
        assert_eq!(said(&loaded, false).exit, ExitCode::SUCCESS);
        assert_eq!(said(&loaded, true).exit, ExitCode::from(EXIT_REJECTED));
        loaded.summaries[1].rejects_csv = None;
        loaded.summaries[1].rejects_unwritten =
            Some("b.csv.rejects.csv: cannot write rejects: full".into());
        let said = said(&loaded, true);
        assert_eq!(said.exit, ExitCode::FAILURE);
        assert_eq!(
            said.after,
            [
                "hotspots: b.csv.rejects.csv: cannot write rejects: full; b.csv is loaded all the \
              same (load 2), and its 2 rejected rows are kept with that load (the server's \
              /loads/2 lists them; --rejects PATH writes them elsewhere next time)"
            ]
        );
        assert!(said.before.is_empty(), "no rejects file to point to");
    }
}
