//! What loading a bot can report: errors (the bot cannot run), warnings (it runs, but
//! something looks wrong) and unsupported features (it runs without them). Each finding
//! carries where it is: a JSON pointer and, when there is one, the interaction's name.

use std::fmt;

/// How serious a finding is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// The bot cannot be loaded.
    Error,
    /// A feature the engine does not run; the bot loads without it.
    Unsupported,
    /// Something that looks wrong but is tolerated (a dangling reference…).
    Warning,
}

impl Severity {
    /// Its name, as findings print it and serialise it.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Unsupported => "unsupported",
            Severity::Warning => "warning",
        }
    }
}

/// What a finding is about, for tools and tests (the message says it in words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The file itself: not JSON, not a bot, too large.
    File,
    /// A key the format does not have.
    UnknownKey,
    /// Something required is missing (a dialog's name, an upload's file types).
    Missing,
    /// A value of the wrong type, or one the format does not allow.
    Invalid,
    /// Two things share a name or a pattern that should be theirs alone.
    Duplicate,
    /// A reference to a dialog, interaction, integration or trigger that does not exist.
    Dangling,
    /// A pattern or regular expression that cannot be used.
    Pattern,
    /// Bot code: nesting too deep for a parser, a `botContext` function Chatlet lacks.
    Code,
    /// A feature Chatlet does not run.
    Unsupported,
    /// What the analyses of a loaded bot find: statement loops, slot reads that fall back.
    Flow,
}

impl FindingKind {
    /// Its name, as the findings files of the tests write it.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::File => "file",
            FindingKind::UnknownKey => "unknown-key",
            FindingKind::Missing => "missing",
            FindingKind::Invalid => "invalid",
            FindingKind::Duplicate => "duplicate",
            FindingKind::Dangling => "dangling",
            FindingKind::Pattern => "pattern",
            FindingKind::Code => "code",
            FindingKind::Unsupported => "unsupported",
            FindingKind::Flow => "flow",
        }
    }
}

/// One finding about a bot file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// What it is about.
    pub kind: FindingKind,
    /// How serious it is.
    pub severity: Severity,
    /// JSON pointer into the bot file (`/conversationMessage/3/content`).
    pub pointer: String,
    /// The interaction (or dialog) it concerns, when there is one.
    pub interaction: Option<String>,
    /// What is wrong, in words.
    pub message: String,
    /// Recorded only with the `checks` feature (a warning or an unsupported feature that
    /// `chatlet check` lists and the widget's own reading never records): a compiled bot
    /// leaves these out, so that it warns the page as its plain file does.
    #[serde(skip)]
    pub(crate) checks: bool,
}

/// A bot's findings as a compiled bot keeps them: those the widget records reading the
/// plain file (see [`Finding::checks`]).
pub(crate) fn visible_only<S: serde::Serializer>(
    findings: &[Finding],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    let kept: Vec<&Finding> = findings.iter().filter(|f| !f.checks).collect();
    kept.serialize(s)
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.severity.label();
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{label}: {pointer}")?;
        if let Some(name) = &self.interaction {
            write!(f, " ({name:?})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A bot that could not be loaded: every finding, at least one of them an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// All findings, errors first.
    pub findings: Vec<Finding>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, finding) in self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .enumerate()
        {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Collects findings while a loader walks a bot file.
#[derive(Debug, Default)]
pub struct Findings {
    list: Vec<Finding>,
}

impl Findings {
    /// Records a finding.
    pub fn add(
        &mut self,
        severity: Severity,
        kind: FindingKind,
        pointer: impl fmt::Display,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        self.list.push(Finding {
            kind,
            severity,
            pointer: pointer.to_string(),
            interaction: interaction.map(str::to_string),
            message: message.into(),
            checks: false,
        });
    }

    /// Records a finding only `chatlet check` lists (see [`Finding::checks`]).
    #[cfg(feature = "checks")]
    pub(crate) fn check(
        &mut self,
        severity: Severity,
        kind: FindingKind,
        pointer: impl fmt::Display,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        self.add(severity, kind, pointer, interaction, message);
        if let Some(last) = self.list.last_mut() {
            last.checks = true;
        }
    }

    /// Records an error.
    pub fn error(
        &mut self,
        kind: FindingKind,
        pointer: impl fmt::Display,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        self.add(Severity::Error, kind, pointer, interaction, message);
    }

    /// Records a finding that changes what a visitor sees (a flow that stops where the
    /// file points nowhere, an interaction that is passed over), with or without the
    /// `checks` feature: the widget tells the page about these.
    pub fn visible(
        &mut self,
        severity: Severity,
        kind: FindingKind,
        pointer: impl fmt::Display,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        self.add(severity, kind, pointer, interaction, message);
    }

    /// Records a warning. Without the `checks` feature (the widget, which shows no
    /// warnings: they are `chatlet check`'s) nothing is recorded.
    #[inline(always)]
    pub fn warn(
        &mut self,
        kind: FindingKind,
        pointer: impl fmt::Display,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        #[cfg(feature = "checks")]
        self.check(Severity::Warning, kind, pointer, interaction, message);
        #[cfg(not(feature = "checks"))]
        let _ = (kind, pointer, interaction, message);
    }

    /// Records an unsupported feature. Like warnings, only with the `checks` feature:
    /// `chatlet check` lists them; the widget runs the bot without them either way.
    #[inline(always)]
    pub fn unsupported(
        &mut self,
        pointer: impl fmt::Display,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        #[cfg(feature = "checks")]
        self.check(
            Severity::Unsupported,
            FindingKind::Unsupported,
            pointer,
            interaction,
            message,
        );
        #[cfg(not(feature = "checks"))]
        let _ = (pointer, interaction, message);
    }

    /// Finishes loading: an error if any finding is one, else the findings (sorted by severity).
    pub fn finish(mut self) -> Result<Vec<Finding>, LoadError> {
        // Stable, by partition: a sort would cost the widget a sorting routine of its own.
        let (errors, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.list)
            .into_iter()
            .partition(|f| f.severity == Severity::Error);
        let (unsupported, warnings): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|f| f.severity == Severity::Unsupported);
        self.list = errors;
        self.list.extend(unsupported);
        self.list.extend(warnings);
        if self.list.iter().any(|f| f.severity == Severity::Error) {
            Err(LoadError {
                findings: self.list,
            })
        } else {
            Ok(self.list)
        }
    }
}

/// Appends `key` to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub fn pointer(base: &str, key: impl fmt::Display) -> String {
    At::new(base, Key::Shown(&key)).to_string()
}

/// Where a loader is in a bot file: a JSON pointer that is written out only when a
/// finding needs it (loading walks every step, rule and pattern, and almost none has a
/// finding). Each level borrows its parent: `at.key("rules").key(2)` is
/// `…/rules/2`.
#[derive(Clone, Copy)]
pub struct At<'a> {
    /// The enclosing place, or none at the top.
    up: Option<&'a At<'a>>,
    /// At the top: a pointer already written (`""` for the root, or `/dialogs`).
    base: &'a str,
    key: Key<'a>,
}

/// One step of a pointer.
#[derive(Clone, Copy)]
pub enum Key<'a> {
    /// The place itself (the top's base).
    None,
    /// An object's key.
    Name(&'a str),
    /// A list's index.
    Index(usize),
    /// Anything else that prints as a key.
    Shown(&'a dyn fmt::Display),
    /// Several steps written out (`/content/results`).
    Raw(&'a str),
}

impl<'a> From<&'a str> for Key<'a> {
    fn from(name: &'a str) -> Key<'a> {
        Key::Name(name)
    }
}

impl<'a> From<&'a String> for Key<'a> {
    fn from(name: &'a String) -> Key<'a> {
        Key::Name(name)
    }
}

impl From<usize> for Key<'_> {
    fn from(index: usize) -> Self {
        Key::Index(index)
    }
}

impl<'a> At<'a> {
    /// The file's root (the empty pointer).
    pub const ROOT: At<'static> = At {
        up: None,
        base: "",
        key: Key::None,
    };

    /// `key` under a pointer already written out.
    pub fn new(base: &'a str, key: impl Into<Key<'a>>) -> At<'a> {
        At {
            up: None,
            base,
            key: key.into(),
        }
    }

    /// A pointer already written out.
    pub fn raw(base: &'a str) -> At<'a> {
        At::new(base, Key::None)
    }

    /// `key` under this place.
    pub fn key(&'a self, key: impl Into<Key<'a>>) -> At<'a> {
        At {
            up: Some(self),
            base: "",
            key: key.into(),
        }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.up {
            Some(up) => up.fmt(f)?,
            None => f.write_str(self.base)?,
        }
        let name = match self.key {
            Key::None => return Ok(()),
            Key::Name(name) => std::borrow::Cow::Borrowed(name),
            Key::Index(i) => return write!(f, "/{i}"),
            Key::Shown(key) => std::borrow::Cow::Owned(key.to_string()),
            Key::Raw(path) => return f.write_str(path),
        };
        f.write_str("/")?;
        if name.contains(['~', '/']) {
            f.write_str(&name.replace('~', "~0").replace('/', "~1"))
        } else {
            f.write_str(&name)
        }
    }
}

/// Parses a bot file's JSON; a syntax error is a load error at the root.
pub fn parse_json(text: &str) -> Result<serde_json::Value, LoadError> {
    serde_json::from_str(text).map_err(|e| LoadError::at_root(format!("not valid JSON: {e}")))
}

impl LoadError {
    /// A load error about the whole file.
    pub fn at_root(message: impl Into<String>) -> LoadError {
        let mut f = Findings::default();
        f.error(FindingKind::File, "", None, message);
        LoadError { findings: f.list }
    }
}
