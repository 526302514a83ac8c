//! The server's local admin socket: one JSON request a line in, one JSON
//! answer a line out (`{"lines": [...]}` or `{"error": "..."}`).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use super::operations::{execute, AdminError, AdminRequest};
use crate::store::Store;

/// The socket of a server holding `db`: beside it, named after it.
pub fn socket_path(db: &Path) -> PathBuf {
    let name = db
        .file_name()
        .map_or_else(|| "hotspots".into(), |n| n.to_string_lossy().into_owned());
    db.with_file_name(format!(".{name}.admin.sock"))
}

/// What travels to the server: who asks (for the audit log) and what.
#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope {
    actor: String,
    request: AdminRequest,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Answer {
    #[serde(default)]
    lines: Vec<String>,
    error: Option<String>,
}

/// Asks the server holding the database for one operation.
///
/// # Errors
/// No server listening (or not ours), or the operation's own refusal.
pub fn request(
    socket: &Path,
    actor: &str,
    request: AdminRequest,
) -> Result<Vec<String>, AdminError> {
    let fail = |message: String| AdminError::Socket {
        path: socket.display().to_string(),
        message,
    };
    let mut stream = UnixStream::connect(socket).map_err(|e| fail(e.to_string()))?;
    let envelope = Envelope {
        actor: actor.to_owned(),
        request,
    };
    let mut line = serde_json::to_string(&envelope).map_err(|e| fail(e.to_string()))?;
    line.push('\n');
    stream
        .write_all(line.as_bytes())
        .map_err(|e| fail(e.to_string()))?;
    let mut reply = String::new();
    BufReader::new(stream)
        .read_line(&mut reply)
        .map_err(|e| fail(e.to_string()))?;
    let answer: Answer = serde_json::from_str(&reply)
        .map_err(|e| fail(format!("an answer that is not ours: {e}")))?;
    match answer.error {
        Some(error) => Err(AdminError::Refused(error)),
        None => Ok(answer.lines),
    }
}

/// Serves the admin socket for `store`'s database on a thread of its own, one
/// connection at a time; `changed` is called after each operation (a server
/// forgets the principals it has cached). The socket file is removed when the
/// returned guard drops.
///
/// # Errors
/// When the socket cannot be made.
pub fn listen(
    socket: PathBuf,
    store: Store,
    changed: impl Fn() + Send + 'static,
) -> std::io::Result<SocketGuard> {
    // A socket left by a server that was killed: nobody answers on it.
    if socket.exists() && UnixStream::connect(&socket).is_err() {
        std::fs::remove_file(&socket)?;
    }
    let listener = UnixListener::bind(&socket)?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
    std::thread::Builder::new()
        .name("admin-socket".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve_one(&store, &stream);
                changed();
            }
        })?;
    Ok(SocketGuard(socket))
}

fn serve_one(store: &Store, stream: &UnixStream) -> std::io::Result<()> {
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    let answer = match serde_json::from_str::<Envelope>(&line) {
        Ok(Envelope { actor, request }) => match execute(store, &actor, request) {
            Ok(lines) => Answer { lines, error: None },
            Err(e) => Answer {
                lines: Vec::new(),
                error: Some(e.to_string()),
            },
        },
        Err(e) => Answer {
            lines: Vec::new(),
            error: Some(format!("not a request: {e}")),
        },
    };
    let mut out = serde_json::to_string(&answer).unwrap_or_default();
    out.push('\n');
    let mut stream = stream;
    stream.write_all(out.as_bytes())
}

/// Removes the socket file when the server stops.
pub struct SocketGuard(PathBuf);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
