//! What a handler answers: a status, a JSON body (or a stored file) and
//! whether the CORS headers go with it, turned into an [`Answer`] at the end.

use std::fs::File;
use std::io::{self, Cursor, Read};

use crate::http::Answer;
use serde_json::{json, Value};

/// The request headers every CORS answer allows (`X-File-Name` is one the
/// widget may send with an upload).
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type, X-File-Name";

/// The CORS headers sent with every response except `/api/no-cors`'s. A
/// preflight's `Access-Control-Allow-Headers` also lists the other headers
/// the browser asks for (see [`allowed_headers`]).
pub const CORS_HEADERS: [(&str, &str); 5] = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
    ("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS"),
    ("Access-Control-Max-Age", "600"),
    ("Access-Control-Expose-Headers", "Content-Type"),
];

/// A preflight's `Access-Control-Allow-Headers`: [`ALLOWED_HEADERS`], then
/// every other name in the request's `Access-Control-Request-Headers`, so a
/// page may send any header. Names that are not HTTP tokens are left out.
pub fn allowed_headers(requested: Option<&str>) -> String {
    let mut allowed = ALLOWED_HEADERS.to_owned();
    for name in requested.unwrap_or_default().split(',').map(str::trim) {
        let is_token = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte));
        let known = allowed
            .split(", ")
            .any(|have| have.eq_ignore_ascii_case(name));
        if is_token && !known {
            allowed.push_str(", ");
            allowed.push_str(name);
        }
    }
    allowed
}

/// A stored file sent as an `application/octet-stream` body.
#[derive(Debug)]
pub struct Download {
    /// The open file, read from its start.
    pub file: File,
    /// Its size, sent as `Content-Length`.
    pub length: u64,
}

/// A response before it is written.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The JSON body; `None` for an empty body (the 204 preflight answer) or
    /// a [`Reply::download`].
    pub body: Option<Value>,
    /// A file to send instead of a JSON body.
    pub download: Option<Download>,
    /// Whether to send [`CORS_HEADERS`].
    pub cors: bool,
    /// The `Allow` header of a 405 answer.
    pub allow: Option<String>,
    /// The preflight's `Access-Control-Allow-Headers`, when not the usual.
    pub allow_headers: Option<String>,
}

impl Reply {
    /// A JSON answer with CORS headers.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            download: None,
            cors: true,
            allow: None,
            allow_headers: None,
        }
    }

    /// `{"error": message}` with the given status, with CORS headers.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::json(status, json!({ "error": message.into() }))
    }

    /// `{"ok": true}` with status 200.
    pub fn ok() -> Self {
        Self::json(200, json!({ "ok": true }))
    }

    /// A stored file as `application/octet-stream`, with CORS headers.
    pub fn download(status: u16, file: File, length: u64) -> Self {
        Reply {
            status,
            body: None,
            download: Some(Download { file, length }),
            cors: true,
            allow: None,
            allow_headers: None,
        }
    }

    /// The 204 answer to a CORS preflight (`OPTIONS`) request, allowing the
    /// request headers asked for (see [`allowed_headers`]).
    pub fn preflight(requested_headers: Option<&str>) -> Self {
        Reply {
            status: 204,
            body: None,
            download: None,
            cors: true,
            allow: None,
            allow_headers: Some(allowed_headers(requested_headers)),
        }
    }

    /// 405 for a known path asked with a method it does not take.
    pub fn method_not_allowed(method: &str, path: &str, allowed: &[&str]) -> Self {
        let mut reply = Self::error(405, format!("{method} is not allowed on {path}"));
        reply.allow = Some(allowed.join(", "));
        reply
    }

    /// The same reply without the CORS headers.
    pub fn without_cors(mut self) -> Self {
        self.cors = false;
        self
    }

    /// The answer to write: the JSON body with `Content-Type: application/json`
    /// (or the download's bytes), `Cache-Control: no-store`, and the CORS and
    /// `Allow` headers when asked for. The body's length is always sent as
    /// `Content-Length`, never chunked.
    pub fn into_answer(self) -> Answer {
        let mut headers: Vec<(&str, &str)> = vec![("Cache-Control", "no-store")];
        let (body, length): (Box<dyn Read + Send>, u64) = match (self.download, &self.body) {
            (Some(download), _) => {
                headers.push(("Content-Type", "application/octet-stream"));
                (Box::new(download.file), download.length)
            }
            (None, Some(value)) => {
                headers.push(("Content-Type", "application/json"));
                let bytes = value.to_string().into_bytes();
                let length = bytes.len() as u64;
                (Box::new(Cursor::new(bytes)), length)
            }
            (None, None) => (Box::new(io::empty()), 0),
        };
        if self.cors {
            for (name, value) in CORS_HEADERS {
                match &self.allow_headers {
                    Some(custom) if name == "Access-Control-Allow-Headers" => {
                        headers.push((name, custom));
                    }
                    _ => headers.push((name, value)),
                }
            }
        }
        if let Some(allow) = &self.allow {
            headers.push(("Allow", allow));
        }
        Answer {
            status: self.status,
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body,
            length,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflight_allows_the_asked_headers_too() {
        assert_eq!(allowed_headers(None), ALLOWED_HEADERS);
        assert_eq!(
            allowed_headers(Some("content-type, AUTHORIZATION,x-file-name")),
            ALLOWED_HEADERS
        );
        assert_eq!(
            allowed_headers(Some("x-request-id, content-type,, X-Trace")),
            format!("{ALLOWED_HEADERS}, x-request-id, X-Trace")
        );
        assert_eq!(
            allowed_headers(Some("bad header, x:y, ok\u{e9}, fine")),
            format!("{ALLOWED_HEADERS}, fine")
        );
        let reply = Reply::preflight(Some("x-a"));
        assert_eq!((reply.status, reply.body.is_none()), (204, true));
        let answer = reply.into_answer();
        let allow_headers = answer
            .headers
            .iter()
            .find(|(name, _)| name == "Access-Control-Allow-Headers")
            .map(|(_, value)| value.clone());
        assert_eq!(allow_headers, Some(format!("{ALLOWED_HEADERS}, x-a")));
    }

    #[test]
    fn bodies_have_a_length() {
        assert_eq!(Reply::ok().into_answer().length, 11);
        assert_eq!(Reply::preflight(None).into_answer().length, 0);
    }
}
