//! What the loaders read of a block of bot code before any of it runs: how deep it
//! nests (every host's parser must take it), whether the host's parser takes it at all,
//! which `botContext` functions it calls that Chatlet lacks, and which interactions it
//! names with `setTriggerNextMessage`.

#[cfg(feature = "checks")]
use super::function;
use super::MAX_CODE_DEPTH;
use crate::error::{FindingKind, Findings};

/// Checks a block of bot code at load time: nesting of any kind deeper than
/// [`MAX_CODE_DEPTH`] (what every host's JavaScript parser takes) is an error, and (with
/// the `checks` feature) code the host's parser refuses is a warning and every
/// `botContext` function Chatlet does not have is listed as unsupported.
pub fn check_code(
    findings: &mut Findings,
    code: &str,
    pointer: &crate::error::At,
    interaction: Option<&str>,
) {
    let deepest = crate::nesting::measure(code);
    if deepest.depth > MAX_CODE_DEPTH {
        findings.error(
            FindingKind::Code,
            pointer,
            interaction,
            format!(
                "code nests {} levels deep ({}); at most {MAX_CODE_DEPTH} are allowed, so that \
                 every host's JavaScript engine can parse it",
                deepest.depth,
                deepest.parts()
            ),
        );
    } else {
        #[cfg(feature = "checks")]
        if let Some(why) = crate::syntax::syntax_error(code) {
            findings.warn(
                FindingKind::Code,
                pointer,
                interaction,
                format!("the code does not parse ({why}); running it is a script error"),
            );
        }
    }
    #[cfg(feature = "checks")]
    for name in unknown_calls(code) {
        findings.check(
            crate::error::Severity::Unsupported,
            FindingKind::Code,
            pointer,
            interaction,
            format!(
                "botContext.{name}() is not available in Chatlet; calling it is a script error"
            ),
        );
    }
}

#[cfg(feature = "checks")]
/// The names of `botContext` functions `source` calls that Chatlet does not have.
pub fn unknown_calls(source: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    for (at, _) in source.match_indices("botContext.") {
        let rest = &source[at + "botContext.".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        let called = rest[end..].trim_start().starts_with('(');
        if called && function(name).is_none() && !unknown.iter().any(|u| u == name) {
            unknown.push(name.to_string());
        }
    }
    unknown
}

#[cfg(feature = "checks")]
/// The literal names `source` passes to `setTriggerNextMessage('…')`.
pub fn trigger_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in source.match_indices("setTriggerNextMessage(") {
        let rest = source[at + "setTriggerNextMessage(".len()..].trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let body = &rest[1..];
        if let Some(end) = body.find(quote) {
            let after = body[end + 1..].trim_start();
            if after.starts_with(')') {
                names.push(body[..end].to_string());
            }
        }
    }
    names
}
