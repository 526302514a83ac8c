//! The audit trail: events queued by handlers and written in order, in
//! batches, by one thread with a connection of its own.

use std::sync::mpsc;

use chrono::{NaiveDateTime, Utc};

use crate::store::{AuditEntry, Store};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

pub enum AuditMessage {
    Entry(AuditEntry),
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The audit writer: appends queued events, batching whatever has queued up
/// since the last write into one transaction.
pub fn spawn_audit_writer(store: Store) -> mpsc::Sender<AuditMessage> {
    let (tx, rx) = mpsc::channel::<AuditMessage>();
    std::thread::Builder::new()
        .name("audit".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = Vec::new();
                let mut flushes = Vec::new();
                let mut take = |m: AuditMessage| match m {
                    AuditMessage::Entry(e) => batch.push(e),
                    AuditMessage::Flush(done) => flushes.push(done),
                };
                take(first);
                while let Ok(more) = rx.try_recv() {
                    take(more);
                }
                if let Err(e) = store.append_audit(&batch, now()) {
                    tracing::error!(error = %e, lost = batch.len(), "audit write failed");
                }
                for done in flushes {
                    let _ = done.send(());
                }
            }
        })
        .ok();
    tx
}
