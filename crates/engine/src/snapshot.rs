//! A session as data: [`Session::snapshot`] gives a [`Snapshot`], a plain serialisable
//! value, and [`Session::restore`] makes a working session of it again, in another
//! process, after a reload, or with a newer version of the bot.
//!
//! A snapshot names interactions by their stable key (the CB interaction id, the native
//! step's name or position), dialogs by name and integrations by name, never by their
//! index in the loaded bot: restored against a bot that still has every interaction,
//! dialog and integration it refers to, the conversation goes on; otherwise restoring
//! fails with [`RestoreError::BotChanged`], naming what is gone, and the host starts a
//! new conversation. It carries its [`SCHEMA`] version and the fingerprint of the bot it
//! was made with.
//!
//! Not in a snapshot: variables scoped *forever* (CB keeps them apart from the
//! conversation: [`Session::forever`], given back through
//! [`SessionOptions::forever`](crate::SessionOptions)), the host's surroundings
//! (environment, visitor information, intent stand-ins: the host passes them again), and
//! what the bot's own JavaScript kept in its global scope (CB does not keep it between
//! messages either). The conversation's initialiser does not run again.
//!
//! ```
//! use std::sync::Arc;
//! use chatlet_engine::{load, Input, Output, Session, SessionOptions};
//! let bot = Arc::new(load(r#"{"dialogs": [{"name": "Ask", "patterns": ["hi"], "flow": [
//!     {"ask": "Name?", "rules": [{"set": {"name": "{$query}"}}]},
//!     {"say": "Hi {$botContext.name}."}]}]}"#).unwrap());
//! let mut first = Session::new(bot.clone(), SessionOptions::default());
//! first.handle(Input::Text("hi".into()));
//! let text = serde_json::to_string(&first.snapshot()).unwrap();
//! let snapshot = serde_json::from_str(&text).unwrap();
//! let mut second = Session::restore(bot, snapshot, SessionOptions::default()).unwrap();
//! let out = second.handle(Input::Text("Ann".into()));
//! assert!(matches!(&out[0], Output::Text { text, .. } if text == "Hi Ann."));
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::botcontext::{ContextScope, NoScripts, ScriptHost};
use crate::model::Scope;
use crate::model::{Bot, DialogId, IntegrationId, InteractionId};
use crate::session::{Frame, InFlight, Queued, Session, SessionOptions, Waiting};
use crate::vars::Vars;

/// The version of the snapshot format. A snapshot of another version is refused
/// ([`RestoreError::Schema`]); a change of format ships its migration or a new version.
pub const SCHEMA: u32 = 1;

/// A session's state, as data (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SCHEMA`] when it was made.
    pub schema: u32,
    /// The fingerprint of the bot it was made with ([`Bot::fingerprint`]).
    pub bot: String,
    /// The conversation id.
    pub conversation_id: String,
    /// The visitor's id.
    pub user_id: String,
    variables: Vec<Variable>,
    slots: Vec<Variable>,
    /// Custom data fields by `"Integration.field"`.
    fields: Vec<(String, Vec<Value>)>,
    /// The offline Context Service: (scope, namespace, values).
    store: Vec<(ContextScope, String, Map<String, Value>)>,
    /// The last call's outcome (`isApiExecutionSuccessful`, `getApiStatusCode`).
    api: Option<(bool, u16)>,
    /// The visitor's latest accepted file: its type and caption.
    file: Option<(String, String)>,
    /// Dialogs under way, innermost last.
    stack: Vec<FrameRef>,
    /// The question waiting for the visitor's answer.
    pending: Option<String>,
    /// Payloads of the choices offered with it.
    offered: Vec<String>,
    /// The integration call in flight.
    waiting: Option<CallRef>,
    /// Input that waits for that call.
    queue: Vec<Queued>,
    /// File uploads in flight.
    uploads: Vec<UploadRef>,
    next_request: u64,
    started: bool,
    escalation_failures: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Variable {
    name: String,
    value: Value,
    scope: Scope,
    /// A dialog-scoped value's dialog, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dialog: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct FrameRef {
    dialog: String,
    resume: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CallRef {
    at: String,
    integration: String,
    id: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct UploadRef {
    id: u64,
    call: String,
    integration: String,
    upload: String,
}

/// Why a snapshot could not be restored. The host starts a new conversation and says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// Another version of the snapshot format.
    Schema {
        /// The snapshot's version.
        found: u32,
    },
    /// The bot no longer has something the conversation was at.
    BotChanged {
        /// What is gone.
        missing: String,
    },
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::Schema { found } => write!(
                f,
                "the saved conversation has format {found}; this version reads format {SCHEMA}"
            ),
            RestoreError::BotChanged { missing } => write!(
                f,
                "the bot changed since the conversation was saved: {missing} no longer exists"
            ),
        }
    }
}

impl std::error::Error for RestoreError {}

/// Looks up what a snapshot names in the bot it is restored against.
struct Names<'a>(&'a Bot);

impl Names<'_> {
    fn gone(what: &str, name: &str) -> RestoreError {
        RestoreError::BotChanged {
            missing: format!("{what} {name:?}"),
        }
    }
    fn interaction(&self, key: &str) -> Result<InteractionId, RestoreError> {
        let found = self.0.interactions.iter().position(|i| i.key == key);
        found.ok_or_else(|| Self::gone("the interaction", key))
    }
    fn dialog(&self, name: &str) -> Result<DialogId, RestoreError> {
        let found = self.0.dialogs.iter().position(|d| d.name == name);
        found.ok_or_else(|| Self::gone("the dialog", name))
    }
    fn integration(&self, name: &str) -> Result<IntegrationId, RestoreError> {
        let found = self.0.integrations.iter().position(|i| i.name == name);
        found.ok_or_else(|| Self::gone("the integration", name))
    }
}

fn export(vars: &Vars, bot: &Bot) -> Vec<Variable> {
    let mut list: Vec<Variable> = vars
        .entries()
        .filter(|(_, _, scope, _)| *scope != Scope::Forever)
        .map(|(name, value, scope, dialog)| Variable {
            name: name.to_string(),
            value: value.clone(),
            scope,
            dialog: dialog.map(|d| bot.dialogs[d].name.clone()),
        })
        .collect();
    // In name order, so that equal sessions give equal snapshots.
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}

fn import(list: Vec<Variable>, into: &mut Vars, names: &Names) -> Result<(), RestoreError> {
    for v in list {
        let dialog = v.dialog.as_deref().map(|d| names.dialog(d)).transpose()?;
        into.set(&v.name, v.value, v.scope, dialog);
    }
    Ok(())
}

impl Session {
    /// The session's state as data (see [`crate::snapshot`]).
    pub fn snapshot(&self) -> Snapshot {
        let bot = &*self.bot;
        let key = |i: InteractionId| bot.interactions[i].key.clone();
        let integration = |i: IntegrationId| bot.integrations[i].name.clone();
        let mut fields: Vec<(String, Vec<Value>)> = self
            .ctx
            .fields
            .iter()
            .map(|((i, f), v)| (format!("{i}.{f}"), v.clone()))
            .collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        let mut store: Vec<(ContextScope, String, Map<String, Value>)> = self
            .ctx
            .store
            .iter()
            .map(|((scope, namespace), values)| (*scope, namespace.clone(), values.clone()))
            .collect();
        store.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut uploads: Vec<UploadRef> = self
            .uploads
            .iter()
            .map(|(id, f)| UploadRef {
                id: *id,
                call: key(f.call),
                integration: integration(f.integration),
                upload: key(f.upload),
            })
            .collect();
        uploads.sort_by_key(|u| u.id);
        Snapshot {
            schema: SCHEMA,
            bot: bot.fingerprint.clone(),
            conversation_id: self.ctx.conversation_id.clone(),
            user_id: self.ctx.user_id.clone(),
            variables: export(&self.ctx.vars, bot),
            slots: export(&self.ctx.slots, bot),
            fields,
            store,
            api: self.ctx.api,
            file: self.ctx.file.clone(),
            stack: self
                .stack
                .iter()
                .map(|f| FrameRef {
                    dialog: bot.dialogs[f.dialog].name.clone(),
                    resume: f.resume.map(key),
                })
                .collect(),
            pending: self.pending.map(key),
            offered: self.offered.clone(),
            waiting: self.waiting.map(|w| CallRef {
                at: key(w.at),
                integration: integration(w.integration),
                id: w.id,
            }),
            queue: self.queue.iter().cloned().collect(),
            uploads,
            next_request: self.next_request,
            started: self.started,
            escalation_failures: self.escalation_failures,
        }
    }

    /// The variables scoped forever (kept apart from the conversation, as CB does), by
    /// name.
    pub fn forever(&self) -> Vec<(String, Value)> {
        let mut list: Vec<(String, Value)> = self
            .forever_vars()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }

    /// [`Session::forever`] in no particular order, without the list (the widget keeps
    /// them as a JSON object, where order does not count).
    pub fn forever_vars(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.ctx
            .vars
            .entries()
            .filter(|(_, _, scope, _)| *scope == Scope::Forever)
            .map(|(name, value, _, _)| (name, value))
    }

    /// A session of `bot` that goes on where `snapshot` was taken, without JavaScript.
    pub fn restore(
        bot: Arc<Bot>,
        snapshot: Snapshot,
        options: SessionOptions,
    ) -> Result<Session, RestoreError> {
        Session::restore_with_scripts(bot, snapshot, options, Box::new(NoScripts))
    }

    /// [`Session::restore`] with the bot's code running in `scripts` (a fresh host: the
    /// global functions are evaluated again before the next block, the initialiser not).
    /// The snapshot's conversation and visitor ids win over `options`'.
    pub fn restore_with_scripts(
        bot: Arc<Bot>,
        snapshot: Snapshot,
        mut options: SessionOptions,
        scripts: Box<dyn ScriptHost>,
    ) -> Result<Session, RestoreError> {
        if snapshot.schema != SCHEMA {
            return Err(RestoreError::Schema {
                found: snapshot.schema,
            });
        }
        let names = Names(&bot);
        // Everything is looked up before anything is built: never half a session.
        let stack = snapshot
            .stack
            .iter()
            .map(|f| {
                Ok(Frame {
                    dialog: names.dialog(&f.dialog)?,
                    resume: f
                        .resume
                        .as_deref()
                        .map(|k| names.interaction(k))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, RestoreError>>()?;
        let pending = snapshot
            .pending
            .as_deref()
            .map(|k| names.interaction(k))
            .transpose()?;
        let waiting = match &snapshot.waiting {
            Some(w) => Some(Waiting {
                at: names.interaction(&w.at)?,
                integration: names.integration(&w.integration)?,
                id: w.id,
            }),
            None => None,
        };
        let mut uploads = crate::small_map::SmallMap::new();
        for u in &snapshot.uploads {
            let flight = InFlight {
                call: names.interaction(&u.call)?,
                integration: names.integration(&u.integration)?,
                upload: names.interaction(&u.upload)?,
            };
            uploads.insert(u.id, flight);
        }
        let mut vars = Vars::default();
        import(snapshot.variables, &mut vars, &names)?;
        let mut slots = Vars::default();
        import(snapshot.slots, &mut slots, &names)?;
        for (name, value) in std::mem::take(&mut options.forever) {
            vars.set(&name, value, Scope::Forever, None);
        }
        options.conversation_id = snapshot.conversation_id;
        options.user_id = snapshot.user_id;
        let session_integrations: Vec<String> =
            bot.integrations.iter().map(|i| i.name.clone()).collect();
        let mut session = Session::with_scripts(bot, options, scripts);
        let ctx = &mut session.ctx;
        ctx.vars = vars;
        ctx.slots = slots;
        // "Integration.field", split after the integration's name.
        ctx.fields = snapshot
            .fields
            .into_iter()
            .map(|(key, values)| {
                let split = session_integrations
                    .iter()
                    .find(|n| {
                        key.len() > n.len()
                            && key.starts_with(n.as_str())
                            && key.as_bytes()[n.len()] == b'.'
                    })
                    .map_or_else(|| key.find('.').unwrap_or(key.len()), |n| n.len());
                let (i, f) = key.split_at(split);
                (
                    (i.to_string(), f.strip_prefix('.').unwrap_or(f).to_string()),
                    values,
                )
            })
            .collect();
        ctx.store = snapshot
            .store
            .into_iter()
            .map(|(scope, namespace, values)| ((scope, namespace), values))
            .collect();
        ctx.api = snapshot.api;
        ctx.file = snapshot.file;
        session.stack = stack;
        session.pending = pending;
        session.offered = snapshot.offered;
        session.waiting = waiting;
        session.queue = VecDeque::from(snapshot.queue);
        session.uploads = uploads;
        session.next_request = snapshot.next_request.max(1);
        session.started = snapshot.started;
        session.escalation_failures = snapshot.escalation_failures;
        Ok(session)
    }
}
