//! Zip archives named where files are expected: data.police.uk's downloads,
//! and reports sent on as one attachment. Each member is a file of its own,
//! named `ARCHIVE/MEMBER` in summaries and rejects, loaded in the archive's
//! order, one transaction each, as if the files had been named one by one.
//!
//! A member is copied to an unnamed temporary file as its turn comes, so an
//! archive of many large months needs room for one month, not all of them.
//! Workbooks are zips too: an `.xlsx` is not opened here but refused by the
//! loader with what to do instead.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use super::{IngestError, Input};

/// Whether `path` names a zip archive to open: by its name, `.zip`.
pub fn is_archive(path: &Path) -> bool {
    is_archive_name(&path.to_string_lossy()) && !path.is_dir()
}

/// Whether a file's name says it is a zip archive (`.zip`, any case): an
/// upload's name is the sender's, never looked up on this machine.
pub fn is_archive_name(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("zip"))
}

/// The inputs `paths` name, in order: a file as itself, a zip archive as its
/// members whose names `keep` accepts (folders and hidden files, macOS's
/// `__MACOSX/._NAME` copies among them, left out). An archive that cannot be opened, or holds
/// nothing `keep` accepts, is one [`Input::Unreadable`].
pub fn with_archives_opened(
    paths: impl IntoIterator<Item = PathBuf>,
    keep: fn(&str) -> bool,
) -> impl Iterator<Item = Input> {
    Opened {
        paths: paths.into_iter(),
        open: None,
        keep,
    }
}

/// The members of an archive held in memory (an upload) named `name`, as
/// [`with_archives_opened`] gives a file's; a member that unpacks to more
/// than `member_limit` bytes is an [`Input::Unreadable`] (an upload's size
/// is limited, and a small archive can unpack to a disk's worth).
pub fn archive_members(
    name: &str,
    bytes: Vec<u8>,
    keep: fn(&str) -> bool,
    member_limit: u64,
) -> impl Iterator<Item = Input> {
    let reader: Box<dyn ReadSeek> = Box::new(std::io::Cursor::new(bytes));
    let (open, unreadable) = match zip::ZipArchive::new(reader) {
        Ok(archive) => (
            Some(OpenArchive {
                path: PathBuf::from(name),
                archive,
                next: 0,
                kept: 0,
                member_limit: Some(member_limit),
            }),
            None,
        ),
        Err(e) => (
            None,
            Some(Input::Unreadable(IngestError::Archive {
                file: name.to_owned(),
                message: e.to_string(),
            })),
        ),
    };
    unreadable.into_iter().chain(Opened {
        paths: std::iter::empty(),
        open,
        keep,
    })
}

/// An archive's bytes: a file, or an upload held in memory.
trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

struct Opened<I> {
    paths: I,
    open: Option<OpenArchive>,
    keep: fn(&str) -> bool,
}

struct OpenArchive {
    path: PathBuf,
    archive: zip::ZipArchive<Box<dyn ReadSeek>>,
    next: usize,
    kept: usize,
    /// The most a member may unpack to (none for files named on the
    /// command line: their owner chose them).
    member_limit: Option<u64>,
}

impl<I: Iterator<Item = PathBuf>> Iterator for Opened<I> {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        loop {
            if let Some(open) = &mut self.open {
                if open.next < open.archive.len() {
                    let index = open.next;
                    open.next += 1;
                    match member(open, index, self.keep) {
                        Ok(Some(input)) => {
                            open.kept += 1;
                            return Some(input);
                        }
                        Ok(None) => continue,
                        Err(e) => return Some(Input::Unreadable(e)),
                    }
                }
                let done = self.open.take()?;
                if done.kept == 0 {
                    return Some(Input::Unreadable(IngestError::EmptyArchive {
                        file: done.path.display().to_string(),
                    }));
                }
                continue;
            }
            let path = self.paths.next()?;
            if !is_archive(&path) {
                return Some(Input::Path(path));
            }
            let file = path.display().to_string();
            let opened = std::fs::File::open(&path)
                .map_err(|source| IngestError::Io {
                    file: file.clone(),
                    source,
                })
                .and_then(|f| {
                    let reader: Box<dyn ReadSeek> = Box::new(f);
                    zip::ZipArchive::new(reader).map_err(|e| IngestError::Archive {
                        file,
                        message: e.to_string(),
                    })
                });
            match opened {
                Ok(archive) => {
                    self.open = Some(OpenArchive {
                        path,
                        archive,
                        next: 0,
                        kept: 0,
                        member_limit: None,
                    });
                }
                Err(e) => return Some(Input::Unreadable(e)),
            }
        }
    }
}

/// The archive's member `index` as an input, or `None` when it is not one
/// to load.
fn member(
    open: &mut OpenArchive,
    index: usize,
    keep: fn(&str) -> bool,
) -> Result<Option<Input>, IngestError> {
    let archive_name = open.path.display().to_string();
    let unreadable = |e: zip::result::ZipError| IngestError::Archive {
        file: archive_name.clone(),
        message: e.to_string(),
    };
    let mut entry = open.archive.by_index(index).map_err(unreadable)?;
    let name = entry.name().map_err(unreadable)?.into_owned();
    let base = name.rsplit('/').next().unwrap_or(&name);
    // Hidden files include the `._NAME` copies macOS adds under `__MACOSX/`.
    if entry.is_dir() || base.starts_with('.') || !keep(&name) {
        return Ok(None);
    }
    let io = |source| IngestError::Io {
        file: format!("{archive_name}/{name}"),
        source,
    };
    let mut copy = tempfile::tempfile().map_err(io)?;
    let limit = open.member_limit.unwrap_or(u64::MAX);
    let copied =
        std::io::copy(&mut (&mut entry).take(limit.saturating_add(1)), &mut copy).map_err(io)?;
    if copied > limit {
        return Err(IngestError::MemberTooLarge {
            file: format!("{archive_name}/{name}"),
            limit_mib: limit >> 20,
        });
    }
    copy.rewind().map_err(io)?;
    Ok(Some(Input::Archived {
        archive: open.path.clone(),
        member: name,
        reader: Box::new(copy),
    }))
}
