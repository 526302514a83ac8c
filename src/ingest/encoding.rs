//! Input files in a text encoding other than UTF-8, transcoded to UTF-8 as
//! they are read. Excel saves "CSV" in the machine's code page (Windows-1252
//! on a UK machine) and "Unicode text" as UTF-16 with a byte-order mark; a
//! UTF-8 reading of either rejects every row holding an accent or a pound sign
//! (or, for UTF-16, every row).
//!
//! A UTF-16 byte-order mark is unambiguous, so such a file is decoded without
//! being asked; any other encoding is named by the user (`--encoding`, or the
//! `charset` of an upload's `Content-Type`). A file read as UTF-8 is passed
//! through untouched, with no copy, and its invalid bytes rejected per row as
//! before.

use std::io::{BufRead, BufReader};
use std::str::FromStr;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// A file's text encoding, by its WHATWG label: `utf-8`, `windows-1252`
/// (`latin1` and `iso-8859-1` are its aliases, as browsers read them),
/// `iso-8859-2`, `windows-1250`, `utf-16le`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextEncoding(&'static Encoding);

impl TextEncoding {
    /// The encoding's canonical name (`windows-1252` for `latin1`).
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl FromStr for TextEncoding {
    type Err = String;

    fn from_str(label: &str) -> Result<Self, Self::Err> {
        // `for_label` trims white space itself, as the WHATWG standard says.
        Encoding::for_label(label.as_bytes())
            .map(Self)
            .ok_or_else(|| {
                format!(
                    "unknown text encoding {label:?}: name it as browsers do, e.g. utf-8, \
                     windows-1252 (Excel's \"CSV\" on a UK machine), iso-8859-2, utf-16le"
                )
            })
    }
}

/// The hint a row of invalid UTF-8 carries when no encoding was named.
pub(crate) const NOT_UTF8: &str = "not valid UTF-8 text (if the file was saved in another \
     encoding, load it again naming it, e.g. --encoding windows-1252 for Excel's \"CSV\")";

/// Bytes as a reject's raw text: UTF-8 as it is, and each byte that is not
/// UTF-8 as `\xNN`, so that what was in the file is still there to read
/// (a replacement character would lose which byte it was).
pub(super) fn raw_text(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02X}");
        }
    }
    out
}

/// What `head` (the file's first bytes) and the named encoding say to
/// decode with; `None` when the bytes are read as UTF-8, as they are.
fn source_encoding(named: Option<TextEncoding>, head: &[u8]) -> Option<&'static Encoding> {
    match Encoding::for_bom(head) {
        // A byte-order mark outranks the name, as in browsers: it cannot
        // be there by chance. A UTF-8 one is stripped by the readers.
        Some((bom, _)) if bom == UTF_16LE || bom == UTF_16BE => Some(bom),
        Some(_) => None,
        None => named.map(|n| n.0).filter(|e| *e != UTF_8),
    }
}

/// The name of the encoding bytes starting `head` are read in, with `named`
/// asked for (`UTF-8` when they are read as they are): what the run records.
pub(crate) fn read_as(named: Option<TextEncoding>, head: &[u8]) -> &'static str {
    source_encoding(named, head).map_or("UTF-8", Encoding::name)
}

/// `input` as UTF-8: transcoded as it is read when its byte-order mark or
/// the named encoding says so, else itself.
///
/// # Errors
/// When the first bytes cannot be read.
pub(crate) fn decoded<'r>(
    mut input: Box<dyn BufRead + Send + 'r>,
    named: Option<TextEncoding>,
) -> std::io::Result<Box<dyn BufRead + Send + 'r>> {
    let Some(encoding) = source_encoding(named, input.fill_buf()?) else {
        return Ok(input);
    };
    // A transcoding decoder drops the byte-order mark it decodes by
    // (`strip_bom` matters only to UTF-8 passed through, which is not
    // decoded here); the tests read UTF-16 back without it.
    let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(input);
    Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)))
}

/// `bytes` (a whole file) as UTF-8: decoded when its byte-order mark or the
/// named encoding says so, else themselves.
pub fn into_utf8(bytes: Vec<u8>, named: Option<TextEncoding>) -> Vec<u8> {
    match source_encoding(named, &bytes) {
        // `decode` strips the mark it found.
        Some(encoding) => encoding.decode(&bytes).0.into_owned().into_bytes(),
        None => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_all(bytes: &[u8], named: Option<&str>) -> String {
        let named = named.map(|n| n.parse().expect("label"));
        let mut out = String::new();
        decoded(Box::new(bytes), named)
            .expect("decoded")
            .read_to_string(&mut out)
            .expect("UTF-8");
        out
    }

    #[test]
    fn labels_are_read_as_browsers_read_them() {
        let latin1: TextEncoding = "Latin1".parse().expect("alias");
        assert_eq!(latin1.name(), "windows-1252");
        assert_eq!(
            " utf8 ".parse::<TextEncoding>().map(TextEncoding::name),
            Ok("UTF-8")
        );
        let err = "klingon".parse::<TextEncoding>().unwrap_err();
        assert!(
            err.contains("\"klingon\"") && err.contains("windows-1252"),
            "{err}"
        );
    }

    #[test]
    fn windows_1252_is_transcoded_when_named() {
        // "Café £5" in Windows-1252: é = 0xE9, £ = 0xA3.
        let bytes = b"Caf\xe9 \xa35\r\n";
        assert_eq!(read_all(bytes, Some("windows-1252")), "Café £5\r\n");
        // Unnamed, the bytes are passed through for the rows to reject.
        let mut raw = Vec::new();
        decoded(Box::new(&bytes[..]), None)
            .expect("decoded")
            .read_to_end(&mut raw)
            .expect("read");
        assert_eq!(raw, bytes);
    }

    #[test]
    fn a_utf16_byte_order_mark_is_decoded_unasked_and_outranks_a_name() {
        let text = "a,b\r\nŁódź,Café\r\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(read_all(&le, None), text);
        assert_eq!(read_all(&be, None), text);
        assert_eq!(read_all(&le, Some("windows-1252")), text);
        assert_eq!(String::from_utf8(into_utf8(le, None)).unwrap(), text);
    }

    #[test]
    fn utf8_named_or_marked_is_left_as_it_is() {
        let bytes = "\u{feff}Café\n".as_bytes();
        assert_eq!(source_encoding(None, bytes), None);
        assert_eq!(
            source_encoding(Some("windows-1252".parse().unwrap()), bytes),
            None
        );
        assert_eq!(
            source_encoding(Some("utf-8".parse().unwrap()), b"Caf\xe9"),
            None
        );
        assert_eq!(into_utf8(b"Caf\xe9".to_vec(), None), b"Caf\xe9");
        assert_eq!(
            into_utf8(b"Caf\xe9".to_vec(), Some("latin1".parse().unwrap())),
            "Café".as_bytes()
        );
    }
}
