//! Uploaded files: their safe names, the streaming copy that enforces the
//! size limit, and the ids they are fetched back by.
//!
//! ```text
//! let uploads = Uploads::new(dir);
//! let stored = uploads.receive("photo.png", &mut body, Some(4096), &rng)?; // dir/U-123456-photo.png
//! uploads.path_of(&stored.id); // Some(dir/U-123456-photo.png)
//! ```
//!
//! A body is copied in [`CHUNK_BYTES`] pieces straight to its file, never held
//! whole in memory. An upload that fails (too large, empty, cut short, a
//! write error) leaves no file behind. Ids are only known to
//! [`Uploads::path_of`] once their file is complete, so a download never sees
//! half a file.

use std::collections::hash_map::{Entry, HashMap};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, ErrorKind, Read, Write};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::rng::Rng;

/// The largest upload accepted, the same as the widget's limit (5 MiB).
pub const MAX_UPLOAD_BYTES: u64 = 5 * 1024 * 1024;

/// The name used when the client gives none (or none that survives cleaning).
pub const DEFAULT_NAME: &str = "upload.bin";

/// How much of a body is read and written at a time.
const CHUNK_BYTES: usize = 64 * 1024;

/// Safe names are cut to their last this many characters (keeping the extension).
const MAX_NAME_CHARS: usize = 100;

/// How many random ids are tried before giving up on finding a free one.
const ID_ATTEMPTS: usize = 100;

/// A safe file name from the one a client sent: its base name (after the last
/// `/` or `\`), with every character but ASCII letters, digits, `.`, `-` and
/// `_` replaced by `_`; [`DEFAULT_NAME`] when that leaves nothing but dots.
pub fn safe_name(raw: Option<&str>) -> String {
    let base = raw
        .unwrap_or_default()
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Only ASCII is left, so byte offsets are character offsets.
    let cleaned = &cleaned[cleaned.len().saturating_sub(MAX_NAME_CHARS)..];
    if cleaned.trim_matches('.').is_empty() {
        DEFAULT_NAME.to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Why an upload was refused; [`UploadError::status`] is its HTTP status.
#[derive(Debug)]
pub enum UploadError {
    /// The body was empty.
    Empty,
    /// The body was (or announced it would be) over [`MAX_UPLOAD_BYTES`].
    TooLarge,
    /// The body ended before the `Content-Length` it announced.
    Truncated {
        /// The announced `Content-Length`.
        expected: usize,
        /// The bytes that came.
        received: u64,
    },
    /// The body could not be read from the client.
    ReadFailed(io::Error),
    /// The file could not be created or written.
    StoreFailed(io::Error),
}

impl UploadError {
    /// The HTTP status to answer: 400, 413, or 500 when storing failed.
    pub fn status(&self) -> u16 {
        match self {
            UploadError::Empty | UploadError::Truncated { .. } | UploadError::ReadFailed(_) => 400,
            UploadError::TooLarge => 413,
            UploadError::StoreFailed(_) => 500,
        }
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::Empty => {
                f.write_str("the request body is empty; send the file as the body")
            }
            UploadError::TooLarge => write!(f, "the file is over {MAX_UPLOAD_BYTES} bytes"),
            UploadError::Truncated { expected, received } => write!(
                f,
                "the body ended after {received} of the {expected} bytes of its Content-Length"
            ),
            UploadError::ReadFailed(error) => write!(f, "could not read the request body: {error}"),
            UploadError::StoreFailed(error) => write!(f, "could not store the upload: {error}"),
        }
    }
}

/// A completed upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// `U-` and six digits.
    pub id: String,
    /// The size of the stored file.
    pub bytes: u64,
}

/// The upload directory and the ids of the files stored in it by this process.
#[derive(Debug)]
pub struct Uploads {
    dir: PathBuf,
    /// Id → file; `None` while the file is still arriving (the id is taken).
    files: Mutex<HashMap<String, Option<PathBuf>>>,
}

impl Uploads {
    /// Uploads stored in `dir`, which must exist.
    pub fn new(dir: PathBuf) -> Self {
        Uploads {
            dir,
            files: Mutex::default(),
        }
    }

    /// Streams `body` into a new file `<id>-<name>` (`name` must already be
    /// safe, see [`safe_name`]).
    ///
    /// `declared` is the `Content-Length`, if one was sent: over the limit
    /// (or zero) it is refused before anything is read; otherwise the body
    /// must have exactly that many bytes. Without one, reading stops as soon
    /// as the body passes the limit.
    pub fn receive(
        &self,
        name: &str,
        body: &mut dyn Read,
        declared: Option<usize>,
        rng: &Rng,
    ) -> Result<Stored, UploadError> {
        match declared {
            Some(0) => return Err(UploadError::Empty),
            Some(length) if u64::try_from(length).unwrap_or(u64::MAX) > MAX_UPLOAD_BYTES => {
                return Err(UploadError::TooLarge)
            }
            _ => {}
        }
        let (id, path, mut file) = self.create(name, rng)?;
        let copied =
            copy_limited(body, &mut file, MAX_UPLOAD_BYTES).and_then(|bytes| match declared {
                _ if bytes == 0 => Err(UploadError::Empty),
                Some(expected) if bytes < expected as u64 => Err(UploadError::Truncated {
                    expected,
                    received: bytes,
                }),
                _ => Ok(bytes),
            });
        drop(file);
        match copied {
            Ok(bytes) => {
                self.lock().insert(id.clone(), Some(path));
                Ok(Stored { id, bytes })
            }
            Err(error) => {
                let _ = fs::remove_file(&path);
                self.lock().remove(&id);
                Err(error)
            }
        }
    }

    /// The file of a completed upload, or `None` for an unknown id.
    pub fn path_of(&self, id: &str) -> Option<PathBuf> {
        self.lock().get(id).cloned().flatten()
    }

    /// Takes a free id and creates its empty file.
    fn create(&self, name: &str, rng: &Rng) -> Result<(String, PathBuf, File), UploadError> {
        for _ in 0..ID_ATTEMPTS {
            let id = format!("U-{}", rng.between(100_000, 999_999));
            match self.lock().entry(id.clone()) {
                Entry::Occupied(_) => continue,
                Entry::Vacant(free) => free.insert(None),
            };
            let path = self.dir.join(format!("{id}-{name}"));
            match File::create_new(&path) {
                Ok(file) => return Ok((id, path, file)),
                // Left by an earlier run in the same directory: this id stays
                // taken, try another.
                Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
                Err(error) => {
                    self.lock().remove(&id);
                    return Err(UploadError::StoreFailed(error));
                }
            }
        }
        Err(UploadError::StoreFailed(io::Error::other(
            "no free upload id",
        )))
    }

    /// Locks the id map; a poisoned lock is used as it is (see `faults`).
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Option<PathBuf>>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Copies `from` to `to` in chunks and returns the byte count; stops with
/// [`UploadError::TooLarge`] as soon as more than `limit` bytes have come
/// (so at most `limit` + one chunk is ever read).
pub fn copy_limited(
    from: &mut dyn Read,
    to: &mut dyn Write,
    limit: u64,
) -> Result<u64, UploadError> {
    let mut buffer = vec![0; CHUNK_BYTES];
    let mut total: u64 = 0;
    loop {
        // Never ask for more than one byte past the limit.
        let room = usize::try_from(limit.saturating_add(1) - total).unwrap_or(usize::MAX);
        let want = buffer.len().min(room);
        let read = match from.read(&mut buffer[..want]) {
            Ok(0) => return Ok(total),
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(UploadError::ReadFailed(error)),
        };
        total += read as u64;
        if total > limit {
            return Err(UploadError::TooLarge);
        }
        to.write_all(&buffer[..read])
            .map_err(UploadError::StoreFailed)?;
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
#[cfg(test)]
pub struct TestDir(pub PathBuf);

#[cfg(test)]
impl TestDir {
    pub fn new() -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("chatlet-demo-api-unit-{}-{n}", std::process::id()));
        fs::create_dir_all(&dir).expect("create a test dir");
        TestDir(dir)
    }

    /// The names of the files in it, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .expect("read the test dir")
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

#[cfg(test)]
impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body that fails the test if it is read.
    struct Unread;

    impl Read for Unread {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            panic!("the body should not be read");
        }
    }

    #[test]
    fn safe_names() {
        assert_eq!(safe_name(Some("photo.png")), "photo.png");
        assert_eq!(safe_name(Some("my file (1).tar.gz")), "my_file__1_.tar.gz");
        assert_eq!(safe_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(safe_name(Some(r"C:\Users\ada\notes.txt")), "notes.txt");
        assert_eq!(safe_name(Some("résumé.pdf")), "r_sum_.pdf");
        assert_eq!(safe_name(Some("a-b_c.D9")), "a-b_c.D9");
        assert_eq!(safe_name(Some(" x.bin ")), "x.bin");
        assert_eq!(safe_name(Some(".hidden")), ".hidden");
        for nothing in ["", "..", ".", "dir/", "a/..", "   "] {
            assert_eq!(safe_name(Some(nothing)), DEFAULT_NAME, "{nothing:?}");
        }
        assert_eq!(safe_name(None), DEFAULT_NAME);
        let long = format!("{}.png", "x".repeat(300));
        let cut = safe_name(Some(&long));
        assert_eq!(cut.len(), MAX_NAME_CHARS);
        assert!(cut.ends_with("xx.png"), "{cut}");
    }

    #[test]
    fn copy_stops_one_byte_past_the_limit() {
        let mut out = Vec::new();
        assert_eq!(
            copy_limited(&mut &[7u8; 10][..], &mut out, 10).ok(),
            Some(10)
        );
        assert_eq!(out, [7; 10]);

        let mut source = io::repeat(1).take(1_000_000);
        let mut out = Vec::new();
        let result = copy_limited(&mut source, &mut out, 100_000);
        assert!(matches!(result, Err(UploadError::TooLarge)), "{result:?}");
        assert!(out.len() <= 100_000);
        // Only the limit and one byte were taken from the source.
        assert_eq!(source.limit(), 1_000_000 - 100_001);
    }

    #[test]
    fn receive_stores_and_finds_the_file() {
        let dir = TestDir::new();
        let uploads = Uploads::new(dir.0.clone());
        let rng = Rng::with_seed(7);
        let bytes: Vec<u8> = (0..=255).cycle().take(3000).collect();
        let stored = uploads
            .receive("a.bin", &mut &bytes[..], Some(bytes.len()), &rng)
            .expect("stored");
        assert_eq!(stored.bytes, 3000);
        assert!(
            stored.id.starts_with("U-") && stored.id.len() == 8,
            "{}",
            stored.id
        );
        let path = uploads.path_of(&stored.id).expect("known id");
        assert_eq!(path, dir.0.join(format!("{}-a.bin", stored.id)));
        assert_eq!(fs::read(&path).ok(), Some(bytes.clone()));
        // Without a Content-Length too; ids differ.
        let again = uploads
            .receive("a.bin", &mut &bytes[..], None, &rng)
            .expect("stored");
        assert_ne!(again.id, stored.id);
        assert_eq!(uploads.path_of("U-000000"), None);
        assert_eq!(uploads.path_of("../x"), None);
    }

    #[test]
    fn refused_uploads_leave_no_file() {
        let dir = TestDir::new();
        let uploads = Uploads::new(dir.0.clone());
        let rng = Rng::with_seed(1);
        let limit = usize::try_from(MAX_UPLOAD_BYTES).unwrap_or(usize::MAX);
        let status = |result: Result<Stored, UploadError>| result.map_err(|error| error.status());

        assert_eq!(
            status(uploads.receive("x", &mut Unread, Some(limit + 1), &rng)),
            Err(413)
        );
        assert_eq!(
            status(uploads.receive("x", &mut Unread, Some(0), &rng)),
            Err(400)
        );
        assert_eq!(
            status(uploads.receive("x", &mut io::empty(), None, &rng)),
            Err(400)
        );
        let mut endless = io::repeat(0);
        assert_eq!(
            status(uploads.receive("x", &mut endless, None, &rng)),
            Err(413)
        );
        let result = uploads.receive("x", &mut &[1u8; 100][..], Some(5000), &rng);
        assert!(
            matches!(
                result,
                Err(UploadError::Truncated {
                    expected: 5000,
                    received: 100
                })
            ),
            "{result:?}"
        );
        assert_eq!(dir.names(), Vec::<String>::new());

        // Exactly the limit is fine.
        let mut full = io::repeat(0).take(MAX_UPLOAD_BYTES);
        let stored = uploads
            .receive("x", &mut full, None, &rng)
            .expect("at the limit");
        assert_eq!(stored.bytes, MAX_UPLOAD_BYTES);
        assert_eq!(dir.names(), [format!("{}-x", stored.id)]);
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(
            UploadError::TooLarge.to_string(),
            "the file is over 5242880 bytes"
        );
        let truncated = UploadError::Truncated {
            expected: 10,
            received: 3,
        };
        assert_eq!(
            truncated.to_string(),
            "the body ended after 3 of the 10 bytes of its Content-Length"
        );
        assert_eq!(
            UploadError::StoreFailed(io::Error::other("x")).status(),
            500
        );
    }
}
