//! `hotspots premises ...`, `hotspots outcomes import` and `hotspots context
//! import`: the registers and context beside the reports.

use std::process::ExitCode;

use anyhow::Context as _;

use super::args::{ContextCommand, ContextSource, OutcomesCommand, PremisesCommand, RegisterFiles};
use super::loaded::say_loaded;
use super::{actor, open_store};
use crate::ingest::{self, FileSummary, Input, LoadOptions, PipelineError};
use crate::premises::{relink, LinkSummary};
use crate::store::{LinkDecision, Store};

/// What a relink did, in one line.
pub(super) fn link_line(s: &LinkSummary) -> String {
    format!(
        "linked {} reports to registered premises, {} to {} premises made from reports; {} detached by analysts",
        s.linked_to_register, s.linked_to_made, s.premises_made, s.detached
    )
}

type Import = fn(&mut Store, Input, &LoadOptions) -> Result<FileSummary, PipelineError>;

fn import(files: &RegisterFiles, run: Import, link: bool) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&files.db.db)?;
    let options = LoadOptions {
        format: files.format,
        encoding: files.encoding,
        rejects_path: files.rejects.clone(),
        loaded_by: Some(actor()),
        ..LoadOptions::default()
    };
    let inputs = ingest::with_archives_opened(files.files.iter().cloned(), ingest::loadable_name);
    let loaded = ingest::load_each(inputs, &options, |input, options| {
        run(&mut store, input, options)
    });
    let exit = say_loaded(&loaded, files.strict);
    if link && !loaded.summaries.is_empty() {
        eprintln!("{}", link_line(&relink(&mut store, Some(&actor()))?));
    }
    Ok(exit)
}

pub(super) fn premises_command(action: PremisesCommand) -> anyhow::Result<ExitCode> {
    match action {
        PremisesCommand::Import { files } => import(&files, ingest::import_premises, true),
        PremisesCommand::Relink { db } => {
            let mut store = open_store(&db.db)?;
            println!("{}", link_line(&relink(&mut store, Some(&actor()))?));
            Ok(ExitCode::SUCCESS)
        }
        PremisesCommand::Merge { a, b, db } => {
            let mut store = open_store(&db.db)?;
            store.record_link_decision(
                &LinkDecision::Merge {
                    into: a.clone(),
                    from: b.clone(),
                },
                &actor(),
            )?;
            store.append_audit(
                &[crate::store::AuditEntry {
                    actor: Some(actor()),
                    action: "premises_merge".into(),
                    target: Some(format!("{b} into {a}")),
                    outcome: "ok".into(),
                    ..crate::store::AuditEntry::default()
                }],
                chrono::Utc::now().naive_utc(),
            )?;
            println!("merged {b} into {a}");
            println!("{}", link_line(&relink(&mut store, Some(&actor()))?));
            Ok(ExitCode::SUCCESS)
        }
        PremisesCommand::Detach {
            report_id,
            source,
            db,
        } => {
            let mut store = open_store(&db.db)?;
            let source = match source {
                Some(s) => s,
                None => store.source_of_report(&report_id)?,
            };
            store.record_link_decision(
                &LinkDecision::Detach {
                    source: source.clone(),
                    report_id: report_id.clone(),
                },
                &actor(),
            )?;
            store.append_audit(
                &[crate::store::AuditEntry {
                    actor: Some(actor()),
                    action: "premises_detach".into(),
                    target: Some(format!("{source}/{report_id}")),
                    outcome: "ok".into(),
                    ..crate::store::AuditEntry::default()
                }],
                chrono::Utc::now().naive_utc(),
            )?;
            println!("detached {source}/{report_id}");
            println!("{}", link_line(&relink(&mut store, Some(&actor()))?));
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(super) fn outcomes_command(action: OutcomesCommand) -> anyhow::Result<ExitCode> {
    match action {
        OutcomesCommand::Import { files } => import(&files, ingest::import_outcomes, false),
    }
}

/// `hotspots context import police-uk PATHS...`.
pub(super) fn context_command(action: ContextCommand) -> anyhow::Result<ExitCode> {
    let ContextCommand::Import {
        source:
            ContextSource::PoliceUk {
                paths,
                force,
                rejects,
                no_rejects_file,
                db,
            },
    } = action;
    let mut files = Vec::new();
    for path in &paths {
        if path.is_dir() {
            let mut found: Vec<_> = walk(path)?
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with("-street.csv"))
                })
                .collect();
            found.sort();
            if found.is_empty() {
                anyhow::bail!("{}: no *-street.csv files in this folder", path.display());
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut store = open_store(&db.db)?;
    let options = LoadOptions {
        rejects_path: rejects,
        no_rejects_file,
        loaded_by: Some(actor()),
        ..LoadOptions::default()
    };
    let inputs = ingest::with_archives_opened(files, |name| name.ends_with("-street.csv"));
    let loaded = ingest::load_each(inputs, &options, |input, options| {
        ingest::import_police_uk(&mut store, input, force, options)
    });
    let exit = say_loaded(&loaded, false);
    let skipped: u64 = loaded.summaries.iter().map(|s| s.counts.duplicates).sum();
    if skipped > 0 && !force {
        eprintln!("{skipped} rows of months already stored were skipped (--force replaces them)");
    }
    Ok(exit)
}

/// Every file under `dir`, depth first.
fn walk(dir: &std::path::Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot read", dir.display()))?
    {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}
