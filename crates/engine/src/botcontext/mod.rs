//! The `botContext` API that bot JavaScript calls: one Rust definition for every host.
//!
//! A script host (QuickJS in the command line, the browser's engine in the widget)
//! evaluates [`prelude`] once per conversation. It defines the global `botContext` object,
//! whose methods all funnel into one host function, `__chatletCall(name, args)`: the
//! method's name and its arguments as an array. The host implements that function by
//! converting the arguments to JSON values, calling [`BotContext::call`] and converting
//! the value it gives back (or throwing its error): the widget through
//! `serde-wasm-bindgen`, the command line through QuickJS's `JSON.stringify` and
//! `JSON.parse`. Values keep JSON's shapes, so arrays and objects that scripts store come
//! back with their structure intact.
//!
//! ```
//! use chatlet_engine::BotContext;
//! use serde_json::json;
//! let mut ctx = BotContext::default();
//! ctx.call("setBotVariable", &[json!("n"), json!([1, 2]), json!(true), json!(false)]).unwrap();
//! assert_eq!(ctx.call("getBotVariable", &[json!("n")]).unwrap(), json!([1, 2]));
//! assert!(ctx.call("noSuchFunction", &[]).is_err());
//! ```

use serde_json::Value;

use crate::model::Scope;
use crate::model::{DialogId, Script};
use crate::options;
use crate::small_map::SmallMap;
use crate::value::to_text;
use crate::vars::Vars;

pub use crate::nesting::{nesting, MAX_CODE_DEPTH};
pub use scan::check_code;
#[cfg(feature = "checks")]
pub use scan::trigger_names;

mod scan;

/// Runs bot JavaScript. The host owns the JavaScript engine; the engine owns the state.
pub trait ScriptHost {
    /// Starts a conversation's script scope afresh: evaluates [`prelude`], then `globals`.
    fn start(&mut self, globals: Option<&Script>, ctx: &mut BotContext) -> Result<(), String>;
    /// Runs one block in its own function scope, with the globals visible.
    fn run(&mut self, script: &Script, ctx: &mut BotContext) -> Result<(), String>;
}

/// A host without JavaScript: every block fails with a clear message.
#[derive(Debug, Default)]
pub struct NoScripts;

impl ScriptHost for NoScripts {
    fn start(&mut self, globals: Option<&Script>, _: &mut BotContext) -> Result<(), String> {
        match globals {
            Some(_) => Err("this host does not run JavaScript".into()),
            None => Ok(()),
        }
    }
    fn run(&mut self, _: &Script, _: &mut BotContext) -> Result<(), String> {
        Err("this host does not run JavaScript".into())
    }
}

/// How long one block of bot code may run, in milliseconds, in every host (the command
/// line's QuickJS thread, the widget's worker); a block over it is a script error.
pub const BLOCK_BUDGET_MS: u32 = 2000;

/// The script error of a block stopped at [`BLOCK_BUDGET_MS`].
pub fn over_budget(budget_ms: u64) -> String {
    format!("the code ran longer than {budget_ms} ms and was stopped")
}

/// The block that calls the bot's conversation initialiser, if the globals define one.
pub const INIT_SOURCE: &str = "if (typeof __initConversation === 'function') { __initConversation(); } else if (typeof initConversation === 'function') { initConversation(); }";

/// The error text [`BotContext::call`] gives for `sendImmediateReply`: it ends the block.
pub const IMMEDIATE_STOP: &str = "chatlet: sendImmediateReply ends this block";

/// A `botContext` function: its name, how many arguments it reads (fewer read as null,
/// more are ignored), and what it does. [`FUNCTIONS`] is the one list: the prelude that
/// defines `botContext` for scripts, the load-time scan for calls Chatlet does not have
/// and [`BotContext::call`] are all derived from it.
pub struct Function {
    /// The name scripts call it by.
    pub name: &'static str,
    /// How many arguments it reads.
    pub arity: usize,
    run: fn(&mut BotContext, &[Value]) -> Result<Value, String>,
}

type Run = fn(&mut BotContext, &[Value]) -> Result<Value, String>;

const fn f(name: &'static str, arity: usize, run: Run) -> Function {
    Function { name, arity, run }
}

fn null() -> Result<Value, String> {
    Ok(Value::Null)
}

fn string(s: impl Into<String>) -> Result<Value, String> {
    Ok(Value::String(s.into()))
}

fn opt_string(s: Option<String>) -> Result<Value, String> {
    Ok(s.map_or(Value::Null, Value::String))
}

/// Every `botContext` function scripts may call.
pub const FUNCTIONS: &[Function] = &[
    f("getBotVariable", 1, |c, a| {
        Ok(c.variable(&text_arg(a, 0)).unwrap_or(Value::Null))
    }),
    f("setBotVariable", 4, |c, a| {
        let scope = if truthy(arg(a, 3)) {
            Scope::Forever
        } else if truthy(arg(a, 2)) {
            Scope::Session
        } else {
            Scope::Request
        };
        c.vars
            .set(&text_arg(a, 0), arg(a, 1).clone(), scope, c.dialog);
        null()
    }),
    f("getCurrentUserMessage", 0, |c, _| {
        string(c.user_message.clone())
    }),
    f("setTriggerNextMessage", 1, |c, a| {
        c.trigger = Some(text_arg(a, 0));
        null()
    }),
    f("evaluateOptions", 2, |_, a| {
        let list: Vec<String> = arg(a, 1)
            .as_array()
            .map(|l| l.iter().map(to_text).collect())
            .unwrap_or_default();
        Ok(options::evaluate(&text_arg(a, 0), &list)
            .map_or(Value::Null, |i| Value::String(list[i].clone())))
    }),
    f("printDebugMessage", 1, |c, a| {
        c.debug.push(text_arg(a, 0));
        null()
    }),
    f("sendMessage", 1, |c, a| send(c, a, false)),
    f("sendMessages", 1, |c, a| send(c, a, false)),
    f("sendImmediateReply", 1, |c, a| send(c, a, true)),
    f("sendMessageWithQuickReplies", 2, |c, a| {
        let replies = arg(a, 1)
            .as_array()
            .map(|l| l.iter().take(10).map(reply).collect())
            .unwrap_or_default();
        c.sent.push(Sent {
            text: text_arg(a, 0),
            replies,
        });
        null()
    }),
    f("setMessageDelay", 1, |c, a| {
        // serde_json reads the number: core's float parser would cost 4 KB of wasm.
        let ms = match arg(a, 0) {
            Value::Number(n) => n.as_f64().unwrap_or(0.0),
            other => serde_json::from_str(to_text(other).trim()).unwrap_or(0.0),
        };
        c.delay = Some(ms.clamp(0.0, f64::from(crate::model::MAX_DELAY_MS)) as u32);
        null()
    }),
    f("setAllowMaxTextResponse", 1, |c, a| {
        c.no_split = truthy(arg(a, 0));
        null()
    }),
    f("getQuickReplyPayload", 0, |c, _| {
        opt_string(c.payload.clone())
    }),
    f("getButtonPayload", 0, |c, _| opt_string(c.payload.clone())),
    f("logCustomEvent", 3, |_, _| null()),
    f("logEscalationEvent", 3, |_, _| null()),
    f("getConversationId", 0, |c, _| {
        string(c.conversation_id.clone())
    }),
    f("getChatBotId", 0, |c, _| string(c.bot_id.clone())),
    f("getLPAccountId", 0, |c, _| {
        opt_string(c.env.get("accountId").cloned())
    }),
    f("getUserPlatformId", 0, |c, _| string(c.user_id.clone())),
    f("getUserPlatformType", 0, |_, _| string("HTMLCLIENT")),
    f("getUserChannel", 0, |_, _| string("lp_web")),
    f("getChannel", 0, |_, _| string("web")),
    f("getLPEngagementAttribute", 1, |c, a| {
        Ok(c.host
            .engagement_attributes
            .as_ref()
            .and_then(|m| m.get(text_arg(a, 0)))
            .cloned()
            .unwrap_or(Value::Null))
    }),
    f("getLPCustomerInfo", 0, |c, _| {
        Ok(c.host.customer_info.clone().unwrap_or(Value::Null))
    }),
    f("getLPUserPersonalInfo", 0, |c, _| {
        Ok(c.host.personal_info.clone().unwrap_or(Value::Null))
    }),
    f("getEnvVariable", 1, |c, a| {
        opt_string(c.env.get(&text_arg(a, 0)).cloned())
    }),
    f("getWebViewVariable", 1, |_, _| null()),
    f("getWebViewVariables", 0, |_, _| {
        Ok(Value::Object(Default::default()))
    }),
    f("getDialogStarterIntent", 0, |c, _| {
        opt_string(c.intent.clone())
    }),
    f("getMetadata", 1, |_, _| null()),
    f("isApiExecutionSuccessful", 0, |c, _| {
        Ok(Value::Bool(c.api.is_some_and(|(ok, _)| ok)))
    }),
    f("getApiStatusCode", 0, |c, _| {
        opt_string(c.api.map(|(_, status)| status.to_string()))
    }),
    f("getFileType", 0, |c, _| {
        opt_string(c.file.as_ref().map(|(kind, _)| kind.clone()))
    }),
    f("getFileCaption", 0, |c, _| {
        opt_string(c.file.as_ref().map(|(_, caption)| caption.clone()))
    }),
    f("isContextApiEnabled", 0, |_, _| Ok(Value::Bool(true))),
    f("registerContextNamespace", 2, |_, _| Ok(Value::Bool(true))),
    f("deleteContextNamespace", 1, |c, a| {
        let ns = text_arg(a, 0);
        c.store.retain(|(_, n), _| *n != ns);
        Ok(Value::Bool(true))
    }),
    f("setGlobalContextData", 3, |c, a| {
        context(c, Op::Set, ContextScope::Global, a)
    }),
    f("getGlobalContextData", 2, |c, a| {
        context(c, Op::Get, ContextScope::Global, a)
    }),
    f("deleteGlobalContextData", 2, |c, a| {
        context(c, Op::Delete, ContextScope::Global, a)
    }),
    f("setContextDataForUser", 3, |c, a| {
        context(c, Op::Set, ContextScope::User, a)
    }),
    f("getContextDataForUser", 2, |c, a| {
        context(c, Op::Get, ContextScope::User, a)
    }),
    f("deleteContextDataForUser", 2, |c, a| {
        context(c, Op::Delete, ContextScope::User, a)
    }),
    f("deleteAllContextDataForUser", 1, |c, a| {
        context(c, Op::DeleteAll, ContextScope::User, a)
    }),
    f("setContextDataForConversation", 3, |c, a| {
        context(c, Op::Set, ContextScope::Conversation, a)
    }),
    f("getContextDataForConversation", 2, |c, a| {
        context(c, Op::Get, ContextScope::Conversation, a)
    }),
    f("deleteContextDataForConversation", 2, |c, a| {
        context(c, Op::Delete, ContextScope::Conversation, a)
    }),
    f("deleteAllContextDataForConversation", 1, |c, a| {
        context(c, Op::DeleteAll, ContextScope::Conversation, a)
    }),
];

/// The function called `name`.
pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// `sendMessage`, `sendMessages` (a list) and `sendImmediateReply` (which ends the block).
fn send(c: &mut BotContext, a: &[Value], immediate: bool) -> Result<Value, String> {
    let texts: Vec<String> = match arg(a, 0) {
        Value::Array(list) => list.iter().map(to_text).collect(),
        _ => vec![text_arg(a, 0)],
    };
    c.sent.extend(texts.into_iter().map(|text| Sent {
        text,
        replies: vec![],
    }));
    if immediate {
        c.immediate = true;
        return Err(IMMEDIATE_STOP.into());
    }
    null()
}

/// Whose data a Context Service function reads or writes (kept in the conversation;
/// a snapshot names them as written here).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ContextScope {
    /// `…ContextDataForConversation`.
    Conversation,
    /// `…GlobalContextData`.
    Global,
    /// `…ContextDataForUser`.
    User,
}

/// What a Context Service function does to a namespace.
#[derive(Clone, Copy)]
enum Op {
    Set,
    Get,
    Delete,
    DeleteAll,
}

/// The Context Service functions (kept offline, per conversation): `op` in `scope`'s
/// namespace `args[0]`, key `args[1]`.
fn context(
    c: &mut BotContext,
    op: Op,
    scope: ContextScope,
    args: &[Value],
) -> Result<Value, String> {
    let key = text_arg(args, 1);
    let map = c.store.get_or_default((scope, text_arg(args, 0)));
    Ok(match op {
        Op::Set => {
            map.insert(key, arg(args, 2).clone());
            Value::Bool(true)
        }
        Op::Get if args.len() < 2 => Value::Object(map.clone()),
        Op::Get => map.get(&key).cloned().unwrap_or(Value::Null),
        Op::Delete => Value::Bool(map.remove(&key).is_some()),
        Op::DeleteAll => {
            map.clear();
            Value::Bool(true)
        }
    })
}

/// The JavaScript that defines `botContext` on top of the host's `__chatletCall`.
pub fn prelude() -> String {
    let names: Vec<String> = FUNCTIONS
        .iter()
        .map(|f| format!("\"{}\"", f.name))
        .collect();
    format!(
        "var botContext = (function (call) {{ var o = {{}}; var names = [{}]; \
         function def(n) {{ o[n] = function () {{ \
         var r = call(n, Array.prototype.slice.call(arguments)); \
         return r === undefined ? null : r; }}; }} \
         for (var i = 0; i < names.length; i++) {{ def(names[i]); }} \
         if (typeof Proxy !== 'function') {{ return o; }} \
         return new Proxy(o, {{ get: function (t, n) {{ if (n in t || typeof n !== 'string') {{ return t[n]; }} \
         return function () {{ throw new TypeError('botContext.' + n + ' is not available in Chatlet'); }}; }} }}); \
         }})(__chatletCall);",
        names.join(",")
    )
}

/// A message a script sent (`sendMessage`, `sendMessageWithQuickReplies`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The text.
    pub text: String,
    /// Quick replies as `(title, payload)`.
    pub replies: Vec<(String, String)>,
}

/// What the page tells the bot about the visitor (`@host` in transcripts).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct HostInfo {
    /// `getLPCustomerInfo()`; null when absent.
    pub customer_info: Option<Value>,
    /// `getLPUserPersonalInfo()`; null when absent.
    pub personal_info: Option<Value>,
    /// `getLPEngagementAttribute(name)` reads this object.
    pub engagement_attributes: Option<Value>,
}

/// Everything bot code can see and change. The session keeps its variables here.
#[derive(Clone, Debug, Default)]
pub struct BotContext {
    pub(crate) vars: Vars,
    pub(crate) slots: Vars,
    /// Custom data fields by (integration, field).
    pub(crate) fields: SmallMap<(String, String), Vec<Value>>,
    pub(crate) user_message: String,
    pub(crate) payload: Option<String>,
    pub(crate) bot_id: String,
    pub(crate) conversation_id: String,
    pub(crate) user_id: String,
    pub(crate) env: SmallMap<String, String>,
    pub(crate) host: HostInfo,
    pub(crate) intent: Option<String>,
    /// Offline Context Service: (scope, namespace) → key → value.
    pub(crate) store: SmallMap<(ContextScope, String), serde_json::Map<String, Value>>,
    pub(crate) api: Option<(bool, u16)>,
    /// The visitor's latest accepted file: its type (`"pdf"`) and caption.
    pub(crate) file: Option<(String, String)>,
    pub(crate) dialog: Option<DialogId>,
    // Effects of the block being run, collected by the session afterwards.
    pub(crate) sent: Vec<Sent>,
    pub(crate) trigger: Option<String>,
    pub(crate) delay: Option<u32>,
    pub(crate) debug: Vec<String>,
    pub(crate) immediate: bool,
    pub(crate) no_split: bool,
}

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

fn text_arg(args: &[Value], i: usize) -> String {
    match arg(args, i) {
        Value::Null => String::new(),
        v => to_text(v),
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// `"Title~payload"` → (title, payload).
fn reply(v: &Value) -> (String, String) {
    let s = to_text(v);
    match s.split_once('~') {
        Some((t, p)) => (t.to_string(), p.to_string()),
        None => (s.clone(), s),
    }
}

impl BotContext {
    /// Calls `botContext.<name>(args…)`; the result is the function's return value.
    pub fn call(&mut self, name: &str, args: &[Value]) -> Result<Value, String> {
        match function(name) {
            Some(f) => (f.run)(self, args),
            None => Err(format!("botContext.{name} is not available in Chatlet")),
        }
    }

    /// `getBotVariable(name)`: variables, then custom data fields (`Int.field`,
    /// `Int.field.count`), then slots.
    pub(crate) fn variable(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        self.field(name, 0)
            .or_else(|| self.slots.get(name).cloned())
    }

    /// Custom data field `key` (`"Integration.field"`): its `element`-th value, or with
    /// `.count` the number of values.
    pub(crate) fn field(&self, key: &str, element: usize) -> Option<Value> {
        // `key` is the two names joined by a dot (either may hold dots of its own).
        let named = |key: &str| {
            self.fields.iter().find(|((i, f), _)| {
                key.len() == i.len() + 1 + f.len()
                    && key.starts_with(i.as_str())
                    && key.ends_with(f.as_str())
                    && key.as_bytes()[i.len()] == b'.'
            })
        };
        match named(key) {
            Some((_, values)) => values.get(element).cloned(),
            None => named(key.strip_suffix(".count")?).map(|(_, v)| Value::from(v.len())),
        }
    }

    /// Field `field` of `integration` (a template's `{Integration.field}`): its
    /// `element`-th value, or with `.count` the number of values.
    pub(crate) fn field_of(&self, integration: &str, field: &str, element: usize) -> Option<Value> {
        let values = |f: &str| {
            self.fields
                .iter()
                .find(|((i, g), _)| i == integration && g == f)
                .map(|(_, v)| v)
        };
        match values(field) {
            Some(v) => v.get(element).cloned(),
            None => values(field.strip_suffix(".count")?).map(|v| Value::from(v.len())),
        }
    }

    /// How many values field `field` of `integration` has.
    pub(crate) fn field_len(&self, integration: &str, field: &str) -> usize {
        self.fields
            .iter()
            .find(|((i, f), _)| i == integration && f == field)
            .map_or(0, |(_, v)| v.len())
    }

    /// Takes the effects one block left behind.
    pub(crate) fn take_effects(&mut self) -> Effects {
        Effects {
            sent: std::mem::take(&mut self.sent),
            trigger: self.trigger.take(),
            debug: std::mem::take(&mut self.debug),
            immediate: std::mem::take(&mut self.immediate),
        }
    }
}

/// What one block did besides changing variables.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub sent: Vec<Sent>,
    pub trigger: Option<String>,
    pub debug: Vec<String>,
    pub immediate: bool,
}

#[cfg(test)]
mod tests;
