//! File uploads: the file types a File Upload interaction may accept, how a file is judged
//! before any byte of it leaves the visitor's device, and CB's default texts.
//!
//! A file is judged by its size, its extension and its leading bytes: a renamed `.exe` is
//! not a PDF. The host reads only the first [`HEAD_BYTES`] bytes for this; the file itself
//! streams from the host to the File integration and never enters the engine.

use crate::template::Template;

/// The largest file CB accepts: 5 MB (5 × 1024 × 1024 bytes).
pub const MAX_BYTES: u64 = 5 * 1024 * 1024;

/// How many leading bytes the host passes for the type check.
pub const HEAD_BYTES: usize = 16;

/// How long a file's upload may take before it counts as failed (both hosts).
pub const TIMEOUT_MS: u32 = 120_000;

/// CB's default success message.
pub const DEFAULT_SUCCESS: &str = "Successfully processed the file.";
/// CB's default failure message.
pub const DEFAULT_FAILURE: &str = "Failed to process the file. Please try again.";
/// CB's default in-progress message.
pub const DEFAULT_PROGRESS: &str = "Processing the file...";
/// What the engine sends the bot when an upload succeeded (followed by the success message).
pub const SUCCESS_PREFIX: &str = "file_upload_success:";
/// What the engine sends the bot when an upload failed (followed by the failure message).
pub const FAILURE_PREFIX: &str = "file_upload_failed:";

/// Leading bytes a file of some type starts with (`None`: any byte).
type Signature = [Option<u8>];

/// The types an author may accept: canonical name, the extensions that name it, and the
/// signatures its files start with.
const TYPES: &[(&str, &[&str], &[&Signature])] = &[
    ("pdf", &["pdf"], &[&sig(b"%PDF-")]),
    ("png", &["png"], &[&sig(b"\x89PNG\r\n\x1a\n")]),
    ("jpeg", &["jpg", "jpeg"], &[&sig(b"\xff\xd8\xff")]),
    ("gif", &["gif"], &[&sig(b"GIF87a"), &sig(b"GIF89a")]),
    ("bmp", &["bmp"], &[&sig(b"BM")]),
    ("tiff", &["tif", "tiff"], &[&sig(b"II*\0"), &sig(b"MM\0*")]),
    ("webp", &["webp"], &[&WEBP]),
    ("heic", &["heic", "heif"], &[&HEIC]),
    // Office Open XML documents are ZIP archives.
    ("docx", &["docx"], &[&sig(b"PK\x03\x04")]),
    ("xlsx", &["xlsx"], &[&sig(b"PK\x03\x04")]),
    ("pptx", &["pptx"], &[&sig(b"PK\x03\x04")]),
    // Legacy Office documents are OLE compound files.
    (
        "doc",
        &["doc"],
        &[&sig(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")],
    ),
    (
        "xls",
        &["xls"],
        &[&sig(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")],
    ),
    (
        "ppt",
        &["ppt"],
        &[&sig(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")],
    ),
    ("zip", &["zip"], &[&sig(b"PK\x03\x04")]),
    // Plain text has no signature: judged by its bytes instead (see `is_text`).
    ("txt", &["txt"], &[]),
    ("csv", &["csv"], &[]),
];

const WEBP: [Option<u8>; 12] = {
    let mut s = [None; 12];
    s[0] = Some(b'R');
    s[1] = Some(b'I');
    s[2] = Some(b'F');
    s[3] = Some(b'F');
    s[8] = Some(b'W');
    s[9] = Some(b'E');
    s[10] = Some(b'B');
    s[11] = Some(b'P');
    s
};

const HEIC: [Option<u8>; 8] = {
    let mut s = [None; 8];
    s[4] = Some(b'f');
    s[5] = Some(b't');
    s[6] = Some(b'y');
    s[7] = Some(b'p');
    s
};

/// A signature of exact bytes (at most 8).
const fn sig<const N: usize>(bytes: &[u8; N]) -> [Option<u8>; N] {
    let mut out = [None; N];
    let mut i = 0;
    while i < N {
        out[i] = Some(bytes[i]);
        i += 1;
    }
    out
}

/// The canonical name of an accepted-type entry (`"JPG"` → `"jpeg"`), or `None` when the
/// engine does not know the type.
pub fn canonical(name: &str) -> Option<&'static str> {
    let name = name.trim().trim_start_matches('.').to_ascii_lowercase();
    TYPES
        .iter()
        .find(|(canon, exts, _)| *canon == name || exts.contains(&name.as_str()))
        .map(|(canon, _, _)| *canon)
}

/// Every type name an author may use, for error messages.
pub fn known_types() -> String {
    TYPES
        .iter()
        .map(|(canon, _, _)| *canon)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The extensions that name the accepted types, for a file picker's `accept` attribute and
/// the `< upload:` transcript line: lower case, in the order given.
pub fn extensions(accept: &[String]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for name in accept {
        if let Some((_, exts, _)) = TYPES.iter().find(|(c, _, _)| c == name) {
            out.extend(exts.iter().copied());
        }
    }
    out
}

/// Why a file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Larger than [`MAX_BYTES`] (its size).
    TooLarge(u64),
    /// Empty.
    Empty,
    /// Its extension is not an accepted type's (the extension, lower case).
    Extension(String),
    /// Its extension is accepted but its leading bytes say otherwise (the claimed type).
    Content(&'static str),
}

impl Refusal {
    /// A note for the bot author's debug output.
    pub fn describe(&self, name: &str) -> String {
        match self {
            Refusal::TooLarge(size) => {
                format!("file {name:?} refused: {size} bytes, more than {MAX_BYTES}")
            }
            Refusal::Empty => format!("file {name:?} refused: it is empty"),
            Refusal::Extension(ext) => {
                format!("file {name:?} refused: extension {ext:?} is not accepted")
            }
            Refusal::Content(kind) => {
                format!("file {name:?} refused: its name says {kind} but its first bytes do not")
            }
        }
    }
}

/// Judges a file: its `name`, its `size` in bytes and its first bytes (`head`, up to
/// [`HEAD_BYTES`]). Returns the accepted type's canonical name.
pub fn judge(
    accept: &[String],
    name: &str,
    size: u64,
    head: &[u8],
) -> Result<&'static str, Refusal> {
    if size > MAX_BYTES {
        return Err(Refusal::TooLarge(size));
    }
    if size == 0 {
        return Err(Refusal::Empty);
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((canon, _, signatures)) = TYPES
        .iter()
        .find(|(c, exts, _)| exts.contains(&ext.as_str()) && accept.iter().any(|a| a == c))
    else {
        return Err(Refusal::Extension(ext));
    };
    let fits = |s: &&Signature| {
        head.len() >= s.len()
            && s.iter()
                .zip(head)
                .all(|(want, got)| want.is_none_or(|w| w == *got))
    };
    let ok = match signatures.is_empty() {
        true => is_text(head),
        false => signatures.iter().any(fits),
    };
    if ok {
        Ok(canon)
    } else {
        Err(Refusal::Content(canon))
    }
}

/// Text files have no signature; their first bytes must not hold control bytes other
/// than white space (an executable has NULs within its first bytes).
fn is_text(head: &[u8]) -> bool {
    head.iter()
        .all(|b| *b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
}

/// CB's default validation-failure text, naming the types as the author did.
pub fn default_invalid_text(labels: &[String]) -> String {
    format!(
        "The file type is invalid. Upload one of these types: {}.",
        labels.join(", ")
    )
}

/// Reads an author's list of accepted types: canonical names (for judging) and labels
/// (their spelling, upper case, for the default text), without repeats. Unknown names
/// come back with their index.
pub fn accepted<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> (Vec<String>, Vec<String>, Vec<(usize, &'a str)>) {
    let (mut accept, mut labels, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
    for (i, name) in names.into_iter().enumerate() {
        match canonical(name) {
            Some(c) if !accept.iter().any(|a| a == c) => {
                accept.push(c.to_string());
                labels.push(name.trim().trim_start_matches('.').to_ascii_uppercase());
            }
            Some(_) => {}
            None => unknown.push((i, name)),
        }
    }
    (accept, labels, unknown)
}

/// The default text when a file is too large and the author set no validation message.
pub fn default_too_large_text() -> String {
    format!(
        "The file is too large. Upload a file of at most {} MB.",
        MAX_BYTES / (1024 * 1024)
    )
}

/// A File Upload interaction's settings.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct UploadSpec {
    /// What the bot says to ask for the file.
    pub text: Template,
    /// Canonical names of the accepted types, in the author's order.
    pub accept: Vec<String>,
    /// The same types as the author named them (upper case), for the default text.
    pub labels: Vec<String>,
    /// Sent (as `file_upload_success:` + it) when the upload succeeded.
    pub success: Template,
    /// Sent (as `file_upload_failed:` + it) when the upload failed.
    pub failure: Template,
    /// Sent when a file is refused; `None`: CB's default for the accepted types.
    pub invalid: Option<Template>,
    /// Sent when the upload starts.
    pub progress: Template,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn types_are_judged_by_extension_and_leading_bytes() {
        let pdf_png = accept(&["pdf", "png", "jpeg"]);
        assert_eq!(judge(&pdf_png, "a.PDF", 10, b"%PDF-1.7\n"), Ok("pdf"));
        assert_eq!(
            judge(&pdf_png, "b.jpg", 10, b"\xff\xd8\xff\xe0"),
            Ok("jpeg")
        );
        assert_eq!(
            judge(&pdf_png, "tool.pdf", 10, b"MZ\x90\0\x03\0\0\0"),
            Err(Refusal::Content("pdf"))
        );
        assert_eq!(
            judge(&pdf_png, "tool.exe", 10, b"MZ\x90\0"),
            Err(Refusal::Extension("exe".into()))
        );
        assert_eq!(
            judge(&pdf_png, "noext", 10, b"%PDF-"),
            Err(Refusal::Extension("".into()))
        );
        assert_eq!(
            judge(&pdf_png, "short.pdf", 3, b"%PD"),
            Err(Refusal::Content("pdf"))
        );
        assert_eq!(
            judge(&pdf_png, "big.pdf", MAX_BYTES + 1, b"%PDF-"),
            Err(Refusal::TooLarge(MAX_BYTES + 1))
        );
        assert_eq!(judge(&pdf_png, "max.pdf", MAX_BYTES, b"%PDF-"), Ok("pdf"));
        assert_eq!(judge(&pdf_png, "e.pdf", 0, b""), Err(Refusal::Empty));
    }

    #[test]
    fn signatures_with_gaps_and_text_files() {
        let all = accept(&["webp", "heic", "txt"]);
        assert_eq!(
            judge(&all, "p.webp", 20, b"RIFF\x10\0\0\0WEBPVP8 "),
            Ok("webp")
        );
        assert_eq!(judge(&all, "p.heic", 20, b"\0\0\0\x18ftypheic"), Ok("heic"));
        assert_eq!(judge(&all, "n.txt", 5, b"hi\tthere\r\n"), Ok("txt"));
        assert_eq!(
            judge(&all, "n.txt", 5, b"MZ\x90\0"),
            Err(Refusal::Content("txt"))
        );
    }

    #[test]
    fn names_and_defaults() {
        assert_eq!(canonical("JPG"), Some("jpeg"));
        assert_eq!(canonical(".Docx"), Some("docx"));
        assert_eq!(canonical("exe"), None);
        let (a, labels, unknown) = accepted(["pdf", "JPG", "jpeg", "exe"]);
        assert_eq!(a, ["pdf", "jpeg"]);
        assert_eq!(unknown, [(3, "exe")]);
        assert_eq!(extensions(&a), ["pdf", "jpg", "jpeg"]);
        assert_eq!(
            default_invalid_text(&labels),
            "The file type is invalid. Upload one of these types: PDF, JPG."
        );
        assert_eq!(
            default_too_large_text(),
            "The file is too large. Upload a file of at most 5 MB."
        );
    }
}
