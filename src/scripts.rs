//! Runs bot JavaScript with the browser's own engine: the widget's [`ScriptHost`].
//!
//! Each conversation compiles one closure, `new Function("__chatletCall", prelude +
//! globals + runner)`, so `botContext` and the bot's global functions live in that
//! closure's scope, not on the page's `window`. Blocks run through a direct `eval` inside
//! it, each wrapped in its own function. `__chatletCall` forwards to
//! [`BotContext::call`]; the session's context sits in a thread-local cell while a block
//! runs. Compiling code from strings needs the page's CSP to allow `'unsafe-eval'`.

use std::cell::RefCell;

use chatlet_engine::botcontext::{prelude, BotContext, ScriptHost};
use chatlet_engine::model::Script;
use js_sys::Function;
use wasm_bindgen::prelude::*;

thread_local! {
    static CURRENT: RefCell<BotContext> = RefCell::new(BotContext::default());
    static CALL: JsValue = Closure::<dyn Fn(String, String) -> Result<String, JsValue>>::new(call)
        .into_js_value();
}

fn call(name: String, args: String) -> Result<String, JsValue> {
    let list: Vec<serde_json::Value> = serde_json::from_str(&args).unwrap_or_default();
    CURRENT
        .with(|c| c.borrow_mut().call(&name, &list))
        .map(|v| v.to_string())
        .map_err(|e| js_sys::TypeError::new(&e).into())
}

const RUNNER: &str = "\n;return function (__chatletCode) { return eval('(function () {\\n' + __chatletCode + '\\n})();'); };";

/// The browser's JavaScript engine, one scope per conversation.
#[derive(Default)]
pub struct BrowserScripts {
    runner: Option<Function>,
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

impl ScriptHost for BrowserScripts {
    fn start(&mut self, globals: Option<&Script>, ctx: &mut BotContext) -> Result<(), String> {
        self.runner = None;
        let body = format!(
            "{}\n{}{RUNNER}",
            prelude(),
            globals.map_or("", |g| g.source.as_str())
        );
        let factory = Function::new_with_args("__chatletCall", &body);
        let made = with_context(ctx, || CALL.with(|c| factory.call1(&JsValue::NULL, c)));
        let runner = made.map_err(message)?;
        self.runner = runner.dyn_into::<Function>().ok();
        Ok(())
    }

    fn run(&mut self, script: &Script, ctx: &mut BotContext) -> Result<(), String> {
        let Some(runner) = &self.runner else {
            return Err("the bot's scripts could not start".into());
        };
        let code = JsValue::from_str(&script.source);
        with_context(ctx, || runner.call1(&JsValue::NULL, &code))
            .map(|_| ())
            .map_err(message)
    }
}
