//! Uploaded files: their safe names, the streaming copy that enforces the
//! size limit, and the unguessable ids they are fetched back by.
//!
//! ```text
//! let uploads = Uploads::new(dir);
//! let stored = uploads.receive("photo.png", body, Some(4096)).await?; // dir/U-<32 hex>-photo.png
//! uploads.path_of(&stored.id); // Some(dir/U-<32 hex>-photo.png)
//! ```
//!
//! A body is written to its file frame by frame as it arrives ([`tokio::fs`]),
//! never held whole in memory. An upload that fails (too large, empty, cut
//! short, a write error, or abandoned when the request is dropped) leaves no
//! file behind. Ids are `U-` and a random (version 4) UUID in hex: 122 bits
//! from the operating system's generator, so knowing some ids tells nothing
//! about the others. They are only known to [`Uploads::path_of`] once their
//! file is complete, so a download never sees half a file.

use std::collections::hash_map::{Entry, HashMap};
use std::error::Error as StdError;
use std::fmt;
use std::fs;
use std::io::{self, ErrorKind};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::body::Body;
use http_body_util::{BodyExt, LengthLimitError};
use tokio::io::AsyncWriteExt;

/// The largest upload accepted, the same as the widget's limit (5 MiB).
pub const MAX_UPLOAD_BYTES: u64 = 5 * 1024 * 1024;

/// The name used when the client gives none (or none that survives cleaning).
pub const DEFAULT_NAME: &str = "upload.bin";

/// Safe names are cut to their last this many characters (keeping the extension).
const MAX_NAME_CHARS: usize = 100;

/// How many fresh ids are tried before giving up (a clash needs a file left
/// in the directory by another run under the same 122 random bits).
const ID_ATTEMPTS: usize = 3;

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

/// A new upload id: `U-` and 32 lowercase hex digits.
pub fn new_id() -> String {
    format!("U-{}", uuid::Uuid::new_v4().simple())
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
        expected: u64,
        /// The bytes that came.
        received: u64,
    },
    /// The body could not be read from the client (a broken chunk, a reset).
    ReadFailed(String),
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
    /// `U-` and 32 hex digits ([`new_id`]).
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
    /// as the body passes the limit, here or where a
    /// [`tower_http::limit::RequestBodyLimitLayer`] in front cut it off.
    /// If the returned future is dropped half way (a request timeout), the
    /// partial file is deleted all the same.
    pub async fn receive(
        &self,
        name: &str,
        mut body: Body,
        declared: Option<u64>,
    ) -> Result<Stored, UploadError> {
        match declared {
            Some(0) => return Err(UploadError::Empty),
            Some(length) if length > MAX_UPLOAD_BYTES => return Err(UploadError::TooLarge),
            _ => {}
        }
        let (mut partial, mut file) = self.create(name).await?;
        let mut total: u64 = 0;
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(error) if is_length_limit(&error) => return Err(UploadError::TooLarge),
                Err(error) => {
                    return Err(match declared {
                        Some(expected) if total < expected => UploadError::Truncated {
                            expected,
                            received: total,
                        },
                        _ => UploadError::ReadFailed(error.to_string()),
                    })
                }
            };
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            total += data.len() as u64;
            if total > MAX_UPLOAD_BYTES {
                return Err(UploadError::TooLarge);
            }
            file.write_all(&data)
                .await
                .map_err(UploadError::StoreFailed)?;
        }
        if total == 0 {
            return Err(UploadError::Empty);
        }
        file.flush().await.map_err(UploadError::StoreFailed)?;
        drop(file);
        partial.complete();
        Ok(Stored {
            id: partial.id.clone(),
            bytes: total,
        })
    }

    /// The file of a completed upload, or `None` for an unknown id.
    pub fn path_of(&self, id: &str) -> Option<PathBuf> {
        self.lock().get(id).cloned().flatten()
    }

    /// Takes a free id and creates its empty file.
    async fn create(&self, name: &str) -> Result<(Partial<'_>, tokio::fs::File), UploadError> {
        for _ in 0..ID_ATTEMPTS {
            let id = new_id();
            match self.lock().entry(id.clone()) {
                Entry::Occupied(_) => continue,
                Entry::Vacant(free) => free.insert(None),
            };
            let path = self.dir.join(format!("{id}-{name}"));
            let created = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .await;
            match created {
                Ok(file) => {
                    let partial = Partial {
                        uploads: self,
                        id,
                        path,
                        complete: false,
                    };
                    return Ok((partial, file));
                }
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

/// A file being received: deleted, and its id freed, when dropped before
/// [`Partial::complete`] (on every error, and when the request is dropped).
struct Partial<'a> {
    uploads: &'a Uploads,
    id: String,
    path: PathBuf,
    complete: bool,
}

impl Partial<'_> {
    /// Publishes the finished file under its id.
    fn complete(&mut self) {
        self.uploads
            .lock()
            .insert(self.id.clone(), Some(self.path.clone()));
        self.complete = true;
    }
}

impl Drop for Partial<'_> {
    fn drop(&mut self) {
        if !self.complete {
            let _ = fs::remove_file(&self.path);
            self.uploads.lock().remove(&self.id);
        }
    }
}

/// Whether a body error is the [`LengthLimitError`] of a body limit.
fn is_length_limit(error: &(dyn StdError + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
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
    use axum::body::Bytes;
    use http_body_util::{Channel, Full, Limited};

    fn run<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(future)
    }

    fn full(bytes: &[u8]) -> Body {
        Body::from(bytes.to_vec())
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
    fn ids_are_u_and_32_hex_digits_and_differ() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let hex = id.strip_prefix("U-").unwrap_or_default();
            assert!(
                hex.len() == 32
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{id}"
            );
        }
    }

    #[test]
    fn receive_stores_and_finds_the_file() {
        let dir = TestDir::new();
        let uploads = Uploads::new(dir.0.clone());
        let bytes: Vec<u8> = (0..=255).cycle().take(3000).collect();
        let stored = run(uploads.receive("a.bin", full(&bytes), Some(3000))).expect("stored");
        assert_eq!(stored.bytes, 3000);
        let path = uploads.path_of(&stored.id).expect("known id");
        assert_eq!(path, dir.0.join(format!("{}-a.bin", stored.id)));
        assert_eq!(fs::read(&path).ok(), Some(bytes.clone()));
        // Without a Content-Length too; ids differ.
        let again = run(uploads.receive("a.bin", full(&bytes), None)).expect("stored");
        assert_ne!(again.id, stored.id);
        assert_eq!(uploads.path_of("U-000000"), None);
        assert_eq!(uploads.path_of("../x"), None);
    }

    #[test]
    fn refused_uploads_leave_no_file() {
        let dir = TestDir::new();
        let uploads = Uploads::new(dir.0.clone());
        let status = |result: Result<Stored, UploadError>| result.map_err(|error| error.status());
        let limit = MAX_UPLOAD_BYTES as usize;

        // Refused by the declared length: the body is never read.
        let (_sender, unread) = Channel::<Bytes, io::Error>::new(1);
        let unread = Body::new(unread);
        assert_eq!(
            status(run(uploads.receive(
                "x",
                unread,
                Some(MAX_UPLOAD_BYTES + 1)
            ))),
            Err(413)
        );
        assert_eq!(
            status(run(uploads.receive("x", full(b""), Some(0)))),
            Err(400)
        );
        assert_eq!(status(run(uploads.receive("x", full(b""), None))), Err(400));
        let over = vec![0u8; limit + 1];
        assert_eq!(
            status(run(uploads.receive("x", full(&over), None))),
            Err(413)
        );
        // Cut off by a body limit in front (RequestBodyLimitLayer's).
        let limited = Body::new(Limited::new(Full::new(Bytes::from(vec![1u8; 100])), 10));
        assert_eq!(status(run(uploads.receive("x", limited, None))), Err(413));
        // A body that breaks off before its Content-Length.
        let result = run(async {
            let (mut sender, body) = Channel::<Bytes, io::Error>::new(4);
            sender
                .send_data(Bytes::from(vec![1u8; 100]))
                .await
                .expect("send");
            sender.abort(io::Error::other("reset"));
            uploads.receive("x", Body::new(body), Some(5000)).await
        });
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
        let stored = run(uploads.receive("x", full(&over[..limit]), None)).expect("at the limit");
        assert_eq!(stored.bytes, MAX_UPLOAD_BYTES);
        assert_eq!(dir.names(), [format!("{}-x", stored.id)]);
    }

    #[test]
    fn an_abandoned_upload_leaves_no_file() {
        let dir = TestDir::new();
        let uploads = Uploads::new(dir.0.clone());
        run(async {
            let (mut sender, body) = Channel::<Bytes, io::Error>::new(4);
            sender
                .send_data(Bytes::from(vec![1u8; 100]))
                .await
                .expect("send");
            // The sender stays open: the upload waits for more, and is dropped
            // by the timeout as a request timeout would drop it.
            let waited = tokio::time::timeout(
                std::time::Duration::from_millis(200),
                uploads.receive("x", Body::new(body), None),
            )
            .await;
            assert!(waited.is_err(), "still waiting for the body");
            drop(sender);
        });
        assert_eq!(dir.names(), Vec::<String>::new());
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
