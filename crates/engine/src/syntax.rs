//! The host's JavaScript parser, lent to the load-time checks (`checks` feature): a
//! block of bot code that does not parse is a warning with its place in the file, so a
//! bot author hears of it from `chatlet check` (QuickJS) or the previewer (the browser's
//! `Function` constructor) rather than from a script error in a conversation. The
//! engine has no JavaScript parser of its own; until a host installs one, nothing is
//! checked.

use std::sync::OnceLock;

/// Parses a block as a function body and says why it does not parse, if it does not.
pub type SyntaxCheck = fn(&str) -> Option<String>;

static CHECK: OnceLock<SyntaxCheck> = OnceLock::new();

/// Installs the host's syntax check (once; later calls are ignored).
pub fn set_syntax_check(check: SyntaxCheck) {
    let _ = CHECK.set(check);
}

/// Why `code` does not parse, by the installed check; `None` when it parses or when no
/// check is installed.
pub(crate) fn syntax_error(code: &str) -> Option<String> {
    CHECK.get().and_then(|check| check(code))
}
