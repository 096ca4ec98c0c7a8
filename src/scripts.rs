//! Runs bot JavaScript with the browser's own engine: the widget's [`ScriptHost`].
//!
//! Two ways to get the code, chosen per bot when the widget loads it:
//!
//! - **Precompiled** (strict CSP): the page loaded the file `chatlet scripts BOT` wrote,
//!   which registers a factory under the bot's fingerprint in `window.chatletScripts`
//!   ([`chatlet_engine::precompiled`]). Each conversation calls the factory once; it
//!   returns every block as a function. Nothing is compiled from strings.
//! - **From strings**: each conversation compiles one closure, `new Function(
//!   "__chatletCall", prelude + globals + runner)`, so `botContext` and the bot's global
//!   functions live in that closure's scope, not on the page's `window`. Blocks run
//!   through a direct `eval` inside it. This needs `'unsafe-eval'` in the page's CSP; when
//!   the CSP forbids it, every block reports an error naming the fix.
//!
//! A bot without code uses neither. `__chatletCall` forwards to [`BotContext::call`], its
//! arguments and result carried by `serde-wasm-bindgen`; the session's context sits in a
//! thread-local cell while a block runs.

use std::cell::RefCell;

use chatlet_engine::Script;
use chatlet_engine::{precompiled, Bot};
use chatlet_engine::{prelude, BotContext, ScriptHost};
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

thread_local! {
    static CURRENT: RefCell<BotContext> = RefCell::new(BotContext::default());
    static CALL: JsValue = Closure::<dyn Fn(String, JsValue) -> Result<JsValue, JsValue>>::new(call)
        .into_js_value();
}

/// `__chatletCall(name, args)`: the arguments and the result cross as JavaScript values,
/// through serde (`crate::wire`).
fn call(name: String, args: JsValue) -> Result<JsValue, JsValue> {
    let list: Vec<serde_json::Value> = crate::wire::from_js(args).map_err(|e| {
        js_sys::TypeError::new(&format!(
            "botContext.{name}: an argument is not a JSON value ({e})"
        ))
    })?;
    CURRENT
        .with(|c| c.borrow_mut().call(&name, &list))
        .map(|v| crate::wire::to_js(&v))
        .map_err(|e| js_sys::TypeError::new(&e).into())
}

const RUNNER: &str = "\n;return function (__chatletCode) { return eval('(function () {\\n' + __chatletCode + '\\n})();'); };";

/// Where a conversation's blocks come from.
enum Source {
    /// The bot has no code.
    None,
    /// A precompiled factory from the page.
    Precompiled(Function),
    /// Compiled from strings at run time.
    Strings,
}

/// The browser's JavaScript engine, one scope per conversation.
pub struct BrowserScripts {
    source: Source,
    /// Strings: the runner closure. Precompiled: the object of block functions.
    scope: Option<JsValue>,
    /// Why the scope could not be made (reported by every block).
    broken: Option<String>,
}

impl BrowserScripts {
    /// Chooses how to run `bot`'s code on this page.
    pub fn for_bot(bot: &Bot) -> Self {
        let source = if !precompiled::has_code(bot) {
            Source::None
        } else {
            match registered(&precompiled::fingerprint(bot)) {
                Some(factory) => Source::Precompiled(factory),
                None => Source::Strings,
            }
        };
        BrowserScripts {
            source,
            scope: None,
            broken: None,
        }
    }

    /// Is the bot's code precompiled (strict-CSP mode)?
    pub fn precompiled(&self) -> bool {
        matches!(self.source, Source::Precompiled(_))
    }
}

/// The factory registered for `fingerprint`, if the page loaded it. Warns when the page
/// has precompiled scripts, but none for this version of the bot.
fn registered(fingerprint: &str) -> Option<Function> {
    let registry = Reflect::get(&js_sys::global(), &precompiled::REGISTRY.into()).ok()?;
    if registry.is_undefined() || registry.is_null() {
        return None;
    }
    let factory = Reflect::get(&registry, &fingerprint.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    if factory.is_none() {
        let known: Vec<String> = Object::keys::<JsValue>(registry.unchecked_ref())
            .iter()
            .filter_map(|k| k.as_string())
            .collect();
        web_sys::console::warn_1(
            &format!(
                "chatlet: the page's precompiled scripts ({}) are not for this version of the bot \
                 (fingerprint {fingerprint}); regenerate them with `chatlet scripts`",
                known.join(", ")
            )
            .into(),
        );
    }
    factory
}

fn message(error: JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", e.name(), e.message()),
        None => String::from(js_sys::JsString::from(error)),
    }
}

fn with_context<T>(ctx: &mut BotContext, f: impl FnOnce() -> T) -> T {
    CURRENT.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
    let out = f();
    CURRENT.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
    out
}

/// `new Function(args, body)`, with the exception (a CSP refusal, a syntax error) as an
/// error instead of a trap.
fn compile(args: &str, body: &str) -> Result<Function, String> {
    let constructor = Reflect::get(&js_sys::global(), &"Function".into()).map_err(message)?;
    let constructor: Function = constructor.unchecked_into();
    let list = js_sys::Array::of2(&args.into(), &body.into());
    let made = Reflect::construct(&constructor, &list).map_err(|e| {
        let m = message(e);
        if m.starts_with("EvalError") {
            format!(
                "{m} (this page's Content-Security-Policy forbids compiling the bot's code from \
                 strings: load the file `chatlet scripts` writes, or allow 'unsafe-eval')"
            )
        } else {
            m
        }
    })?;
    Ok(made.unchecked_into())
}

impl ScriptHost for BrowserScripts {
    fn start(&mut self, globals: Option<&Script>, ctx: &mut BotContext) -> Result<(), String> {
        self.scope = None;
        self.broken = None;
        let factory = match &self.source {
            Source::None => return Ok(()),
            Source::Precompiled(factory) => Ok(factory.clone()),
            Source::Strings => compile(
                "__chatletCall",
                &format!(
                    "{}\n{}{RUNNER}",
                    prelude(),
                    globals.map_or("", |g| g.source.as_str())
                ),
            ),
        };
        let made = factory.and_then(|f| {
            with_context(ctx, || CALL.with(|c| f.call1(&JsValue::NULL, c))).map_err(message)
        });
        match made {
            Ok(scope) => self.scope = Some(scope),
            Err(e) => self.broken = Some(e.clone()),
        }
        self.broken.clone().map_or(Ok(()), Err)
    }

    fn run(&mut self, script: &Script, ctx: &mut BotContext) -> Result<(), String> {
        let Some(scope) = &self.scope else {
            return Err(self
                .broken
                .clone()
                .unwrap_or_else(|| "the bot's scripts could not start".into()));
        };
        let result = match &self.source {
            Source::Precompiled(_) => {
                let block = Reflect::get(scope, &script.key.as_str().into())
                    .ok()
                    .and_then(|b| b.dyn_into::<Function>().ok())
                    .ok_or_else(|| {
                        format!(
                            "the precompiled scripts have no block {:?}; regenerate them",
                            script.key
                        )
                    })?;
                with_context(ctx, || block.call0(&JsValue::NULL))
            }
            _ => {
                let runner: &Function = scope.unchecked_ref();
                let code = JsValue::from_str(&script.source);
                with_context(ctx, || runner.call1(&JsValue::NULL, &code))
            }
        };
        result.map(|_| ()).map_err(message)
    }
}
