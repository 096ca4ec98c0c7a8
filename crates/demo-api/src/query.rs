//! Percent-decoding of request paths and query strings.
//!
//! Decoding is lenient, like a browser's `URLSearchParams`: a `%` that is
//! not followed by two hex digits stays as it is, and bytes that are not
//! valid UTF-8 after decoding become U+FFFD. Nothing here can fail or panic,
//! whatever the client sent.

/// The decoded `name=value` pairs of a query string, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (the part after `?`, without the `?`).
    ///
    /// Pairs are separated by `&`; empty pieces are skipped; a piece without
    /// `=` is a name with an empty value. In names and values `+` means a
    /// space and `%XX` is a byte (so `%2B` is a literal plus).
    pub fn parse(raw: &str) -> Self {
        let pairs = raw
            .split('&')
            .filter(|piece| !piece.is_empty())
            .map(|piece| {
                let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
                (decode_query_part(name), decode_query_part(value))
            })
            .collect();
        Query { pairs }
    }

    /// The value of the first pair called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Decodes one name or value of a query string: `+` is a space, `%XX` a byte.
pub fn decode_query_part(raw: &str) -> String {
    percent_decode(raw, true)
}

/// Decodes a URL path: `%XX` is a byte, `+` stays a plus.
pub fn decode_path(raw: &str) -> String {
    percent_decode(raw, false)
}

/// Splits a request target into its raw path and raw query (without `?`).
///
/// An absolute-form target (`http://host/path?q`) is reduced to its path; a
/// fragment, which clients should not send, is dropped.
pub fn split_target(target: &str) -> (&str, &str) {
    let target = target.split('#').next().unwrap_or(target);
    let target = match target.find("://") {
        Some(scheme_end) if !target.starts_with('/') => {
            let after_scheme = &target[scheme_end + 3..];
            match after_scheme.find('/') {
                Some(slash) => &after_scheme[slash..],
                None => "/",
            }
        }
        _ => target,
    };
    target.split_once('?').unwrap_or((target, ""))
}

fn percent_decode(raw: &str, plus_as_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match (hex_value(bytes.get(i + 1)), hex_value(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: Option<&u8>) -> Option<u8> {
    let byte = *byte?;
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_space_only_in_queries() {
        assert_eq!(decode_query_part("a+b%2Bc"), "a b+c");
        assert_eq!(decode_path("/a+b%20c"), "/a+b c");
    }

    #[test]
    fn bad_escapes_stay_literal() {
        assert_eq!(decode_query_part("100%"), "100%");
        assert_eq!(decode_query_part("%zz%4"), "%zz%4");
        assert_eq!(decode_query_part("%e2%82%ac"), "€");
    }

    #[test]
    fn bad_utf8_becomes_replacement_characters() {
        assert_eq!(decode_query_part("%ff%fe"), "\u{fffd}\u{fffd}");
        assert_eq!(decode_query_part("%e2%82"), "\u{fffd}");
    }

    #[test]
    fn query_pairs() {
        let query = Query::parse("account=123456&&email=ada%40example.com&flag&account=999999");
        assert_eq!(query.get("account"), Some("123456"));
        assert_eq!(query.get("email"), Some("ada@example.com"));
        assert_eq!(query.get("flag"), Some(""));
        assert_eq!(query.get("missing"), None);
        assert_eq!(Query::parse(""), Query::default());
    }

    #[test]
    fn targets() {
        assert_eq!(split_target("/api/health"), ("/api/health", ""));
        assert_eq!(split_target("/api/slow?ms=5#x"), ("/api/slow", "ms=5"));
        assert_eq!(split_target("http://h:1/api/x?a=b"), ("/api/x", "a=b"));
        assert_eq!(split_target("http://h:1"), ("/", ""));
        assert_eq!(split_target("/a?b?c"), ("/a", "b?c"));
    }
}
