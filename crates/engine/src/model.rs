//! The checked bot model. Both input formats (the native format and Conversation Builder
//! exports) load into it; the session runs only this model. Every cross reference is an
//! index, resolved and checked at load time.

use crate::error::Finding;
use crate::jsonpath::JsonPath;
use crate::pattern::Pattern;
use crate::regex_dialect::JsRegex;
use crate::starters::StarterIndex;
use crate::template::Template;
use crate::upload::UploadSpec;

/// Index of a dialog in [`Bot::dialogs`].
pub type DialogId = usize;
/// Index of an interaction in [`Bot::interactions`].
pub type InteractionId = usize;

/// Index of an integration in [`Bot::integrations`].
pub type IntegrationId = usize;

/// CB's text when an integration fails and no rule handles the failure.
pub const DEFAULT_API_FAILURE_TEXT: &str = "Sorry, I could not find anything for that.";

/// CB's text when a bot has no fallback dialog.
pub const DEFAULT_FALLBACK_TEXT: &str =
    "Not able to understand your question. Can you please re-phrase it?";

/// CB's success rule for integrations, File integrations included: HTTP 200 or 201.
pub fn succeeded(status: u16) -> bool {
    status == 200 || status == 201
}

/// A loaded, checked bot. Its parts are the engine's: a host reads what it needs through
/// the methods below, and cannot build one whose cross references the loaders have not
/// checked (only [`crate::load`] makes a `Bot`).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Bot {
    /// The bot id (`{$chatBotId}`).
    pub(crate) id: String,
    /// The bot's display name.
    pub(crate) name: String,
    /// Dialogs, in file order (the order in which starters are tried).
    pub(crate) dialogs: Vec<Dialog>,
    /// All interactions of all dialogs.
    pub(crate) interactions: Vec<Interaction>,
    /// The fallback dialog, if the bot has one.
    pub(crate) fallback: Option<DialogId>,
    /// Integrations (HTTP APIs) the bot calls.
    pub(crate) integrations: Vec<Integration>,
    /// Bot-wide JavaScript, evaluated once per conversation (CB's global functions).
    pub(crate) globals: Option<Script>,
    /// Intent names the dialog starters use, by dialog (no NLU: matched by host stand-ins).
    pub(crate) intents: Vec<Option<String>>,
    /// Bot-wide settings.
    pub(crate) settings: Settings,
    /// Warnings and unsupported features found while loading (a compiled bot keeps those
    /// the widget records: [`crate::error::visible_only`]).
    #[serde(serialize_with = "crate::error::visible_only")]
    pub(crate) findings: Vec<Finding>,
    /// A hash of the file the bot was loaded from (set by [`crate::load`]): a session's
    /// snapshot names the bot it was made with.
    pub(crate) fingerprint: String,
    /// The dialogs' starter patterns, indexed (built by the loaders' `Builder::finish`,
    /// and again when a compiled bot is read).
    #[serde(skip)]
    pub(crate) starters: StarterIndex,
}

/// How long a variable lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Until the bot has answered the current visitor message.
    Request,
    /// Until the flow of the dialog that set it ends.
    Dialog,
    /// Until the conversation ends or is reset.
    Session,
    /// Survives resets and new conversations (CB: 180 days per user).
    Forever,
}

impl Scope {
    /// Reads a scope name as CB and the native format write it (`SESSION`, `dialog`, …).
    pub fn parse(name: &str) -> Option<Scope> {
        match name.to_ascii_lowercase().as_str() {
            "request" => Some(Scope::Request),
            "dialog" => Some(Scope::Dialog),
            "session" | "conversation" => Some(Scope::Session),
            "forever" | "persistent" => Some(Scope::Forever),
            _ => None,
        }
    }
}

/// The longest pause before a message: interaction delays and `setMessageDelay` are
/// capped at this (CB's limit).
pub const MAX_DELAY_MS: u32 = 10_000;

/// The most interactions one visitor turn may run that a bot may set (`maxSteps`).
pub const MAX_STEPS: u32 = 10_000;

/// The shortest and longest integration timeout a bot may set (`apiTimeoutMs`).
pub const API_TIMEOUT_MS: (u32, u32) = (100, 120_000);

/// Bot-wide settings.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// Debug commands (`reset`) are on (CB's ENABLE_DEBUG).
    pub debug_commands: bool,
    /// Replaces built-in error texts (CB's DEFAULT_ERROR_MESSAGE).
    pub default_error_message: Option<String>,
    /// Most interactions one visitor turn may run before the flow is declared broken.
    pub max_steps: u32,
    /// How long an integration call may take before it counts as failed.
    pub api_timeout_ms: u32,
    /// How long a conversation may stay idle before a host starts a new one, in seconds
    /// (CB's `sessionLength`; `None`: the host's default). The engine has no clock: the
    /// hosts that keep a conversation between runs apply it.
    pub session_length_s: Option<u32>,
    /// What the widget sends for the visitor when its window first opens, so the bot
    /// speaks first (CB's `getStartedButtonPayload`; native `greeting`). Not shown as
    /// the visitor's message.
    pub greeting: Option<String>,
    /// The bot's picture, a URL the widget shows beside its messages (native `avatar`;
    /// the page's `data-avatar` takes precedence).
    pub avatar: Option<String>,
}

impl Rule {
    /// A rule without a test: where the flow goes when nothing else decides.
    pub fn always(action: Action) -> Rule {
        Rule {
            condition: Condition::Always,
            context: vec![],
            context_all: true,
            set: vec![],
            action,
        }
    }
}

impl Interaction {
    /// An interaction of `kind` with no rules, no next, no delay and no code: the
    /// loaders fill in the rest.
    pub fn new(key: String, name: String, dialog: DialogId, kind: Kind) -> Interaction {
        Interaction {
            key,
            name,
            dialog,
            kind,
            rules: vec![],
            next: None,
            delay_ms: 0,
            enabled: true,
            code: Hooks::default(),
        }
    }

    /// Where the flow goes when the interaction does not wait: its unconditional rule's
    /// action, else `next`.
    pub fn onward(&self) -> &Action {
        self.rules
            .iter()
            .find(|r| matches!(r.condition, Condition::Always))
            .map_or(&Action::Next, |r| &r.action)
    }
}

impl Bot {
    /// The bot id (`{$chatBotId}`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The bot's name as its file gives it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bot's name for a window's title: a file-style name (`top-level-key-demo`,
    /// `goBackBot`, `qr-sms-template (09-16-2021 05:42)`) as words (`Top level key demo`,
    /// `Go back bot`, `Qr sms template`); a name already in words stays as it is.
    pub fn display_name(&self) -> String {
        display_name(&self.name)
    }

    /// Bot-wide settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Warnings and unsupported features found while loading.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// A hash of the file the bot was loaded from.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// How many dialogs and interactions it has.
    pub fn size(&self) -> (usize, usize) {
        (self.dialogs.len(), self.interactions.len())
    }

    /// The bot-wide JavaScript, if any.
    pub fn globals(&self) -> Option<&Script> {
        self.globals.as_ref()
    }

    /// The interaction the flow goes to after `at` when nothing decides otherwise: its
    /// unconditional rule's target, or its next.
    pub fn after(&self, at: InteractionId) -> Option<InteractionId> {
        let it = &self.interactions[at];
        match it.onward() {
            Action::Goto(to) => Some(*to),
            _ => it.next,
        }
    }

    /// The interaction called `name` (scripts jump by name).
    pub fn interaction_named(&self, name: &str) -> Option<InteractionId> {
        self.interactions.iter().position(|i| i.name == name)
    }
}

impl Settings {
    /// The text sent when the bot hits an error: the bot's own, or CB's built-in one.
    pub fn error_text(&self) -> &str {
        self.default_error_message
            .as_deref()
            .unwrap_or(DEFAULT_FALLBACK_TEXT)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            debug_commands: true,
            default_error_message: None,
            max_steps: 100,
            api_timeout_ms: 10_000,
            session_length_s: None,
            greeting: None,
            avatar: None,
        }
    }
}

/// A dialog.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Dialog {
    /// The dialog's name.
    pub name: String,
    /// Disabled dialogs never start from their starters.
    pub enabled: bool,
    /// Whole-message patterns that start the dialog.
    pub patterns: Vec<Pattern>,
    /// Words that stop the starter from firing.
    pub exclude: Vec<String>,
    /// Where the dialog's flow begins.
    pub head: Option<InteractionId>,
}

/// One step of a dialog's flow.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Interaction {
    /// Stable key: the CB interaction id, or the native step's name.
    pub key: String,
    /// The name scripts and rules jump to.
    pub name: String,
    /// The dialog it belongs to.
    pub dialog: DialogId,
    /// What it does.
    pub kind: Kind,
    /// Rules, in evaluation order (NO_MATCH already moved last).
    pub rules: Vec<Rule>,
    /// The interaction "next" leads to; `None` ends the dialog's flow.
    pub next: Option<InteractionId>,
    /// Wait before sending, in milliseconds.
    pub delay_ms: u32,
    /// Disabled interactions are passed over.
    pub enabled: bool,
    /// Its code hooks.
    pub code: Hooks,
}

/// An interaction's JavaScript hooks.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Hooks {
    /// Runs before the interaction is prepared.
    pub pre: Option<Script>,
    /// Runs after it is prepared (or called), before it is sent.
    pub post: Option<Script>,
    /// Runs after a question's rule is chosen, before its action (process user response).
    pub reply: Option<Script>,
}

/// A block of bot JavaScript, with the key a precompiled script file knows it by.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Script {
    /// Stable key: `"<interaction key>/pre"`, `"…/post"`, `"…/reply"`, `"<integration>/transform"`
    /// or `"globals"`.
    pub key: String,
    /// The source.
    pub source: String,
}

/// An HTTP API the bot calls (a CB API integration).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Integration {
    /// Its name (`{Name.field}` in templates).
    pub name: String,
    /// The response data variable: results live in `api_<rdv>` and `api_<rdv>Status`.
    pub rdv: String,
    /// HTTP method, upper case.
    pub method: String,
    /// The URL template.
    pub url: Template,
    /// Query parameters, appended to the URL.
    pub query: Vec<(String, Template)>,
    /// Request headers.
    pub headers: Vec<(String, Template)>,
    /// The body template, if any.
    pub body: Option<Template>,
    /// Runs on the response before the custom data fields are read.
    pub transform: Option<Script>,
    /// Custom data fields: a name and a JSON path into `{"api_<rdv>": body}`.
    pub fields: Vec<(String, JsonPath)>,
    /// A File integration: it receives the file of the File Upload interaction before it.
    pub file: bool,
}

/// What an interaction does.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// A dialog starter: sends nothing, continues.
    Starter,
    /// A text statement.
    Text(Template),
    /// An image statement.
    Image {
        /// The image URL.
        url: Template,
        /// Shown under it, and what it shows for those who cannot see it (may be empty).
        caption: Template,
    },
    /// A question: sends its prompt (and choices) and waits for the visitor.
    Question {
        /// The prompt.
        text: Template,
        /// Choices offered with it (quick replies, buttons, options).
        choices: Vec<Choice>,
        /// How options may be answered by position (multiple-choice questions).
        style: OptionStyle,
        /// Quick replies: the choices are chips, this many to a row, gone once the
        /// visitor answers (0: they are buttons).
        chips: u8,
    },
    /// Calls an integration, then follows its rules (API_RESULT rules see the outcome).
    Call(IntegrationId),
    /// STRUCTURED cards (a carousel when there are several, or when a field iterates).
    Cards {
        /// The cards.
        cards: Vec<Card>,
        /// The flow waits for the visitor here, like a question (always in CB; in the
        /// native format, when the step has rules).
        wait: bool,
    },
    /// Rich content (CB UNIVERSAL): a template that renders to LivePerson JSON.
    Rich {
        /// The JSON template.
        json: Template,
        /// Waits for the visitor like a question (`userInputRequired`).
        wait: bool,
    },
    /// Hands the conversation to a human on a skill (CB Agent Transfer).
    Transfer {
        /// The skill id (must render to a number).
        skill: Template,
        /// The message sent with the transfer (`BLANK_MESSAGE`: none).
        message: Template,
        /// A preferred agent (on that skill), if any.
        agent: Option<Template>,
        /// Pass the bot's context along.
        context: bool,
    },
    /// Asks the visitor for a file (CB File Upload); the next interaction calls a File
    /// integration that receives it.
    Upload(UploadSpec),
    /// A kind the engine does not run (reported at load time); passed over.
    Unsupported(String),
}

/// A STRUCTURED card.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Card {
    /// The title.
    pub title: Template,
    /// The subtitle.
    pub subtitle: Template,
    /// The image URL.
    pub image: Template,
    /// Its buttons.
    pub buttons: Vec<Choice>,
}

/// A choice offered with a question.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    /// The visible title.
    pub title: Template,
    /// What choosing it sends; the title when absent.
    pub payload: Option<Template>,
    /// A link button: opens this URL and sends nothing.
    pub url: Option<Template>,
}

/// How many quick replies a row shows, at most, unless the bot says fewer (as
/// LivePerson's window).
pub const CHIPS_PER_ROW: u8 = 8;

/// How a multiple-choice option may be picked besides typing its text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OptionStyle {
    /// Only by its text.
    #[default]
    None,
    /// By its 1-based number (`2`, `2.`, `2)`).
    Numbers,
    /// By its letter (`b`, `B.`, `b)`).
    Letters,
}

/// A rule: a condition, variable conditions, variables to set and an action.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    /// What the reply must satisfy.
    pub condition: Condition,
    /// Conditions on variables.
    pub context: Vec<ContextCondition>,
    /// `true`: all context conditions must pass; `false`: any one.
    pub context_all: bool,
    /// Variables and slots set when the rule fires.
    pub set: Vec<Assign>,
    /// Where the flow goes next.
    pub action: Action,
}

/// A rule's condition on the reply.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Condition {
    /// Always matches (an unconditional rule).
    Always,
    /// Any pattern fits the whole reply, and no exclude word occurs.
    Pattern {
        /// The patterns.
        patterns: Vec<Pattern>,
        /// Words that veto the match.
        exclude: Vec<String>,
    },
    /// The regular expression is found in the reply.
    Regex(JsRegex),
    /// The reply equals the value (trimmed, case-insensitive).
    Exact(String),
    /// The reply picks this option of the question (by text, number or letter).
    Option(String),
    /// Nothing else matched; the message is sent before the action.
    NoMatch(Option<Template>),
    /// The integration call succeeded (`true`) or failed (`false`).
    ApiResult(bool),
}

/// A condition on a variable.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ContextCondition {
    /// The variable's value, as a template (`{$botContext.x}` for a bare name).
    pub subject: Template,
    /// How to compare.
    pub op: ContextOp,
    /// The value compared against.
    pub value: Template,
}

/// A context-condition operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ContextOp {
    /// Subject contains value (case-insensitive).
    Contains,
    /// Subject does not contain value.
    NotContains,
    /// Subject equals value (case-insensitive).
    Equals,
    /// Subject differs from value.
    NotEquals,
}

/// A variable or slot assignment made by a rule.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Assign {
    /// Variable or slot name.
    pub name: String,
    /// The value, a template.
    pub value: Template,
    /// How long it lives.
    pub scope: Scope,
    /// A slot (`{$botContext.slot.NAME}`) rather than a variable.
    pub slot: bool,
}

/// Where the flow goes after an interaction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    /// The interaction's `next`; the end of the flow when there is none.
    Next,
    /// Stop here and wait for the visitor.
    Stop,
    /// Jump to an interaction (possibly in another dialog).
    Goto(InteractionId),
    /// Start a dialog at its head.
    Dialog(DialogId),
    /// End the conversation, letting a survey run.
    CloseDialog,
    /// End the conversation, no survey.
    CloseConversation,
    /// A target that does not exist (warned at load time): behaves as the end of the flow.
    Dangling,
}

/// See [`Bot::display_name`].
fn display_name(name: &str) -> String {
    // An export's date stamp, "(09-16-2021 05:42)", is not part of the name.
    let name = match name.rfind(" (") {
        Some(i)
            if name.ends_with(')') && name[i + 2..].starts_with(|c: char| c.is_ascii_digit()) =>
        {
            &name[..i]
        }
        _ => name,
    };
    let name = name.trim();
    if name.contains(' ') || name.is_empty() {
        return name.to_string();
    }
    // ASCII only: a file-style name is; other letters stay as they are (and the wasm
    // carries no Unicode case tables).
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        match c {
            '-' | '_' => out.push(' '),
            c if c.is_ascii_uppercase() && prev_lower => {
                out.push(' ');
                out.push(c.to_ascii_lowercase());
            }
            c => out.push(c),
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    let mut words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(first) = words.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn file_style_names_read_as_words() {
        for (name, shown) in [
            ("top-level-key-demo", "Top level key demo"),
            ("goBackBot", "Go back bot"),
            ("qr-sms-template (09-16-2021 05:42)", "Qr sms template"),
            ("ShopifyBot", "Shopify bot"),
            ("B.I.G.", "B.I.G."),
            ("Universal Tile Demo", "Universal Tile Demo"),
            ("dynamic_button_demo", "Dynamic button demo"),
            ("", ""),
        ] {
            assert_eq!(display_name(name), shown, "{name}");
        }
    }
}
