//! Templates: text with `{…}` placeholders, parsed once at load time and filled at run time.
//!
//! Recognised forms: `{$botContext.NAME}`, `{$botContext.slot.NAME}`, `{$env.NAME}`,
//! `{$query}`, `{$userMessage}`, `{$chatBotId}`, `{$conversationId}`, `{$chatBotUserId}`,
//! `{$quickReplyPayload}` and `{Integration.field}` (for an integration the bot defines).
//! Anything else in braces is literal text. A missing value renders as the empty string.
//!
//! ```
//! use chatlet_engine::internals::{Template, Placeholder};
//! let t = Template::parse("Hi {$botContext.name}! {not a placeholder}", &[]);
//! let out = t.render(&|p: &Placeholder| match p {
//!     Placeholder::BotVar(n) if n == "name" => Some("Ada".to_string()),
//!     _ => None,
//! });
//! assert_eq!(out, "Hi Ada! {not a placeholder}");
//! ```

/// A parsed template.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum Part {
    Lit(String),
    Hole(Placeholder),
}

/// What a `{…}` placeholder refers to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Placeholder {
    /// `{$botContext.NAME}`: a bot variable of any scope.
    BotVar(String),
    /// `{$botContext.slot.NAME}`.
    Slot(String),
    /// `{$env.NAME}`: supplied by the host.
    Env(String),
    /// `{$query}` and `{$userMessage}`: the current visitor message.
    UserMessage,
    /// `{$chatBotId}`.
    ChatBotId,
    /// `{$conversationId}`.
    ConversationId,
    /// `{$chatBotUserId}`.
    UserId,
    /// `{$quickReplyPayload}`.
    QuickReplyPayload,
    /// `{Integration.field}`: a custom data field of an integration.
    Field {
        /// The integration's name.
        integration: String,
        /// The field's key (may end in `.count`).
        field: String,
    },
}

impl Template {
    /// Parses `source`; `integrations` are the names that `{Name.field}` may use.
    pub fn parse(source: &str, integrations: &[&str]) -> Template {
        let mut parts = Vec::new();
        let mut rest = source;
        let mut lit = String::new();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after.find('}');
            let hole = close.and_then(|c| {
                let inner = &after[..c];
                // A name never holds a quote or a backslash: braces around JSON text
                // (`{$x": "y}`) are text, so a JSON template keeps every quote in its
                // literal parts, where rendering tracks strings.
                (!inner.contains(['{', '"', '\\']))
                    .then(|| placeholder(inner.trim(), integrations))
                    .flatten()
            });
            match (hole, close) {
                (Some(h), Some(c)) => {
                    lit.push_str(&rest[..open]);
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Hole(h));
                    rest = &after[c + 1..];
                }
                _ => {
                    lit.push_str(&rest[..=open]);
                    rest = after;
                }
            }
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Template { parts }
    }

    /// Whether the author wrote markup (CB's HTML subset: a tag or an entity) in the
    /// template's own text: what is shown is then HTML, and [`Self::render_shown`]
    /// escapes every value.
    pub fn has_markup(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Lit(s) if s.contains(['<', '&'])))
    }

    /// Fills a text the visitor is shown; `true` when it is markup. Values never are:
    /// in a template with markup they are HTML-escaped, so a visitor's words (or an
    /// API's) are shown as they were written and can plant no link or tag.
    pub fn render_shown(&self, lookup: &dyn Fn(&Placeholder) -> Option<String>) -> (String, bool) {
        if !self.has_markup() {
            return (self.render(lookup), false);
        }
        let escape = |_: &Placeholder, v: &str, out: &mut String| {
            for c in v.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&#39;"),
                    c => out.push(c),
                }
            }
        };
        (self.render_with(lookup, &escape), true)
    }

    /// Fills the template as plain text; `lookup` gives each placeholder's value.
    pub fn render(&self, lookup: &dyn Fn(&Placeholder) -> Option<String>) -> String {
        self.render_with(lookup, &|_, v: &str, out: &mut String| out.push_str(v))
    }

    /// Fills the template, passing every value through `encode` (for URLs, headers), which
    /// also sees the placeholder the value came from.
    pub fn render_with(
        &self,
        lookup: &dyn Fn(&Placeholder) -> Option<String>,
        encode: &dyn Fn(&Placeholder, &str, &mut String),
    ) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Hole(h) => {
                    if let Some(v) = lookup(h) {
                        encode(h, &v, &mut out);
                    }
                }
            }
        }
        out
    }

    /// Fills a JSON template: a value inside a quoted JSON string is JSON-escaped; a value
    /// outside any string goes in as is (it is meant to be JSON, such as a whole card).
    pub fn render_json(&self, lookup: &dyn Fn(&Placeholder) -> Option<String>) -> String {
        self.fill_json(lookup, false)
    }

    /// Fills a request body template: as [`Self::render_json`], except that a value
    /// outside any string goes in as is only when it is one whole JSON value (a number,
    /// `true`, an object…); any other value becomes a JSON string, and a missing or empty
    /// one `null`. A value fills exactly its own place: it can never close the string or
    /// object around it or add keys beside it.
    pub fn render_json_body(&self, lookup: &dyn Fn(&Placeholder) -> Option<String>) -> String {
        self.fill_json(lookup, true)
    }

    fn fill_json(&self, lookup: &dyn Fn(&Placeholder) -> Option<String>, strict: bool) -> String {
        let mut out = String::new();
        let mut in_string = false;
        for part in &self.parts {
            match part {
                Part::Lit(s) => {
                    let mut escaped = false;
                    for c in s.chars() {
                        match c {
                            _ if escaped => escaped = false,
                            '\\' if in_string => escaped = true,
                            '"' => in_string = !in_string,
                            _ => {}
                        }
                    }
                    out.push_str(s);
                }
                Part::Hole(h) => match lookup(h) {
                    Some(v) if in_string => json_escape(&v, &mut out),
                    Some(v) if !strict => out.push_str(&v),
                    Some(v) if v.trim().is_empty() => out.push_str("null"),
                    Some(v) if serde_json::from_str::<serde_json::Value>(&v).is_ok() => {
                        out.push_str(v.trim())
                    }
                    Some(v) => {
                        out.push('"');
                        json_escape(&v, &mut out);
                        out.push('"');
                    }
                    None if strict && !in_string => out.push_str("null"),
                    None => {}
                },
            }
        }
        out
    }

    /// The placeholders the template uses, in order.
    pub fn placeholders(&self) -> impl Iterator<Item = &Placeholder> {
        self.parts.iter().filter_map(|p| match p {
            Part::Hole(h) => Some(h),
            Part::Lit(_) => None,
        })
    }

    /// Is the template empty (no text, no placeholder)?
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

/// Appends `value` escaped for the inside of a JSON string.
pub fn json_escape(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// Appends `value` percent-encoded: everything but `A-Z a-z 0-9 - . _ ~` (RFC 3986).
pub fn percent_encode(value: &str, out: &mut String) {
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

#[cfg(feature = "checks")]
/// The `{$…}` forms in `text` that Chatlet does not know (they stay as written), such as
/// the legacy `{$location.city}`.
pub fn unknown_forms(text: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    for (at, _) in text.match_indices("{$") {
        let Some(end) = text[at..].find('}') else {
            continue;
        };
        let inner = &text[at + 1..at + end];
        if !inner.contains('{') && placeholder(inner.trim(), &[]).is_none() {
            unknown.push(format!("{{{inner}}}"));
        }
    }
    unknown
}

fn placeholder(inner: &str, integrations: &[&str]) -> Option<Placeholder> {
    if let Some(var) = inner.strip_prefix('$') {
        if let Some(name) = var.strip_prefix("botContext.") {
            return Some(match name.strip_prefix("slot.") {
                Some(slot) => Placeholder::Slot(slot.to_string()),
                None => Placeholder::BotVar(name.to_string()),
            });
        }
        if let Some(name) = var.strip_prefix("env.") {
            return Some(Placeholder::Env(name.to_string()));
        }
        return match var {
            "query" | "userMessage" => Some(Placeholder::UserMessage),
            "chatBotId" => Some(Placeholder::ChatBotId),
            "conversationId" => Some(Placeholder::ConversationId),
            "chatBotUserId" | "chatBotUserPlatformId" => Some(Placeholder::UserId),
            "quickReplyPayload" => Some(Placeholder::QuickReplyPayload),
            _ => None,
        };
    }
    let (integration, field) = inner.split_once('.')?;
    integrations
        .contains(&integration)
        .then(|| Placeholder::Field {
            integration: integration.to_string(),
            field: field.to_string(),
        })
}

#[cfg(test)]
mod tests {

    #[test]
    fn values_in_markup_are_escaped_and_plain_text_stays_plain() {
        let value =
            |_: &Placeholder| Some(r#"<a href="https://evil.example">x</a> & 'y'"#.to_string());
        let (text, markup) = Template::parse("<b>You said</b> {$query}", &[]).render_shown(&value);
        assert!(markup);
        assert_eq!(
            text,
            "<b>You said</b> &lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt; &amp; &#39;y&#39;"
        );
        let (text, markup) = Template::parse("You said {$query}", &[]).render_shown(&value);
        assert!(
            !markup,
            "a template without markup is shown as text, values and all"
        );
        assert_eq!(
            text,
            r#"You said <a href="https://evil.example">x</a> & 'y'"#
        );
    }

    use super::*;

    fn fill(src: &str) -> String {
        Template::parse(src, &["Balance"]).render(&|p| match p {
            Placeholder::BotVar(n) => (n == "x").then(|| "X".to_string()),
            Placeholder::Slot(n) => Some(format!("slot:{n}")),
            Placeholder::UserMessage => Some("msg".into()),
            Placeholder::Field { integration, field } => Some(format!("{integration}/{field}")),
            Placeholder::Env(n) => Some(format!("env:{n}")),
            _ => None,
        })
    }

    #[test]
    fn forms() {
        assert_eq!(fill("a{$botContext.x}b"), "aXb");
        assert_eq!(fill("{$botContext.missing}"), "");
        assert_eq!(
            fill(r#"{$botContext.x": "y}"#),
            r#"{$botContext.x": "y}"#,
            "not a name"
        );
        assert_eq!(fill("{$botContext.slot.acct}"), "slot:acct");
        assert_eq!(fill("{$query}/{$userMessage}"), "msg/msg");
        assert_eq!(fill("{Balance.balance}"), "Balance/balance");
        assert_eq!(fill("{$env.host}"), "env:host");
    }

    #[test]
    fn everything_else_is_literal() {
        assert_eq!(
            fill("{Other.field} {$nope} {x} {"),
            "{Other.field} {$nope} {x} {"
        );
        assert_eq!(fill(r#"{"a": "{$botContext.x}"}"#), r#"{"a": "X"}"#);
        assert_eq!(fill("}{$query}{"), "}msg{");
    }

    #[test]
    #[cfg(feature = "checks")]
    fn unknown_dollar_forms_are_listed() {
        assert_eq!(
            unknown_forms("at {$location.city} for {$botContext.x} {$query} {$firstname}"),
            ["{$location.city}", "{$firstname}"]
        );
    }

    #[test]
    fn json_values_are_escaped_inside_strings_only() {
        let t = Template::parse(r#"{"q": "{$query} \"{$query}\"", "n": {$query}}"#, &[]);
        let out = t.render_json(&|_| Some("a\"b\nc".to_string()));
        assert_eq!(
            out,
            r#"{"q": "a\"b\nc \"a\"b\nc\"", "n": a"b
c}"#
        );
        let mut e = String::new();
        percent_encode("a b/ü&", &mut e);
        assert_eq!(e, "a%20b%2F%C3%BC%26");
    }
}
