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
fn say_rejects(summary: &FileSummary) {
    if let (Some(rejects), true) = (&summary.rejects_csv, summary.counts.rejected > 0) {
        let rows = if summary.counts.rejected == 1 {
            "row"
        } else {
            "rows"
        };
        eprintln!(
            "{}: {} rejected {rows} listed in {}",
            summary.file,
            summary.counts.rejected,
            rejects.display()
        );
    }
}

/// Says what a loading command did with its files: each file's rejects,
/// each file that could not be read, then the summary line of the files
/// loaded. Exits 1 when a file could not be read, else `EXIT_REJECTED`
/// when `strict` and a row was rejected.
pub(super) fn say_loaded(loaded: &Loaded, strict: bool) -> ExitCode {
    loaded.summaries.iter().for_each(say_rejects);
    for e in &loaded.unreadable {
        eprintln!("hotspots: {}", error_text(e));
    }
    println!("{}", ingest::summary_line(&loaded.summaries));
    if !loaded.unreadable.is_empty() {
        let files = loaded.summaries.len() + loaded.unreadable.len();
        if files > 1 {
            eprintln!(
                "hotspots: {} of {files} files could not be read and were not loaded; the other {} were",
                loaded.unreadable.len(),
                loaded.summaries.len()
            );
        }
        return ExitCode::FAILURE;
    }
    let rejected: u64 = loaded.summaries.iter().map(|s| s.counts.rejected).sum();
    if strict && rejected > 0 {
        ExitCode::from(EXIT_REJECTED)
    } else {
        ExitCode::SUCCESS
    }
}
