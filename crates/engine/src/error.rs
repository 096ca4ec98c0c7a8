//! What loading a bot can report: errors (the bot cannot run), warnings (it runs, but
//! something looks wrong) and unsupported features (it runs without them). Each finding
//! carries where it is: a JSON pointer and, when there is one, the interaction's name.

use std::fmt;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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
        pointer: &str,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        self.list.push(Finding {
            kind,
            severity,
            pointer: pointer.to_string(),
            interaction: interaction.map(str::to_string),
            message: message.into(),
        });
    }

    /// Records an error.
    pub fn error(
        &mut self,
        kind: FindingKind,
        pointer: &str,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        self.add(Severity::Error, kind, pointer, interaction, message);
    }

    /// Records a warning. Without the `checks` feature (the widget, which shows no
    /// warnings: they are `chatlet check`'s) nothing is recorded.
    #[inline(always)]
    pub fn warn(
        &mut self,
        kind: FindingKind,
        pointer: &str,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        #[cfg(feature = "checks")]
        self.add(Severity::Warning, kind, pointer, interaction, message);
        #[cfg(not(feature = "checks"))]
        let _ = (kind, pointer, interaction, message);
    }

    /// Records an unsupported feature. Like warnings, only with the `checks` feature:
    /// `chatlet check` lists them; the widget runs the bot without them either way.
    #[inline(always)]
    pub fn unsupported(
        &mut self,
        pointer: &str,
        interaction: Option<&str>,
        message: impl Into<String>,
    ) {
        #[cfg(feature = "checks")]
        self.add(
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
    use fmt::Write;
    // Built in place: loading makes one for every step, rule and pattern.
    let mut out = String::with_capacity(base.len() + 16);
    out.push_str(base);
    out.push('/');
    let start = out.len();
    let _ = write!(out, "{key}");
    if out[start..].contains(['~', '/']) {
        let escaped = out[start..].replace('~', "~0").replace('/', "~1");
        out.truncate(start);
        out.push_str(&escaped);
    }
    out
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
