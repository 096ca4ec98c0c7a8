//! What a handler answers: a status, an optional JSON body and whether the
//! CORS headers go with it, turned into a `tiny_http` response at the end.

use std::io::Cursor;

use serde_json::{json, Value};
use tiny_http::{Header, Response};

/// The CORS headers sent with every response except `/api/no-cors`'s.
pub const CORS_HEADERS: [(&str, &str); 5] = [
    ("Access-Control-Allow-Origin", "*"),
    (
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type",
    ),
    ("Access-Control-Allow-Methods", "GET, POST, PUT, OPTIONS"),
    ("Access-Control-Max-Age", "600"),
    ("Access-Control-Expose-Headers", "Content-Type"),
];

/// A response before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The JSON body; `None` for an empty body (the 204 preflight answer).
    pub body: Option<Value>,
    /// Whether to send [`CORS_HEADERS`].
    pub cors: bool,
    /// The `Allow` header of a 405 answer.
    pub allow: Option<String>,
}

impl Reply {
    /// A JSON answer with CORS headers.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            cors: true,
            allow: None,
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

    /// The 204 answer to a CORS preflight (`OPTIONS`) request.
    pub fn preflight() -> Self {
        Reply {
            status: 204,
            body: None,
            cors: true,
            allow: None,
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

    /// The `tiny_http` response: JSON body with `Content-Type:
    /// application/json`, `Cache-Control: no-store`, and the CORS and
    /// `Allow` headers when asked for.
    pub fn into_response(self) -> Response<Cursor<Vec<u8>>> {
        let mut headers: Vec<(&str, &str)> = vec![("Cache-Control", "no-store")];
        let body = match &self.body {
            Some(value) => {
                headers.push(("Content-Type", "application/json"));
                value.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        if self.cors {
            headers.extend(CORS_HEADERS);
        }
        if let Some(allow) = &self.allow {
            headers.push(("Allow", allow));
        }
        let mut response = Response::from_data(body).with_status_code(self.status);
        for (name, value) in headers {
            // Only fails for non-ASCII text, which none of these headers has.
            if let Ok(header) = Header::from_bytes(name, value) {
                response.add_header(header);
            }
        }
        response
    }
}
