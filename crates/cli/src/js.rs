//! Runs bot JavaScript natively with the boa engine: the command line's [`ScriptHost`].
//!
//! `botContext` is the engine's [`prelude`] over one native function, `__chatletCall`,
//! which forwards to [`BotContext::call`]. While a block runs, the session's context is
//! moved into a thread-local cell that the native function reads (and moved back after),
//! so no reference outlives the call and no `unsafe` is needed.
//!
//! The realm lives on a thread of its own, and a block gets [`BLOCK_BUDGET`] of wall-clock
//! time: boa's loop limit stops `while (true) {}`, but not a native that runs long
//! (`Array(2e8).fill(0)`, a sort with a comparator, a backtracking regular expression).
//! A block over budget is a script error (the flow goes on, as after any script error),
//! the context is as it was before the block, and a fresh realm with the bot's global
//! functions takes over; the old thread is left to finish on its own.

use std::cell::RefCell;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use boa_engine::{js_string, Context, JsNativeError, JsResult, JsValue, NativeFunction, Source};
use chatlet_engine::Script;
use chatlet_engine::{nesting, prelude, BotContext, ScriptHost, MAX_CODE_DEPTH};
use serde_json::Value;

thread_local! {
    static CURRENT: RefCell<BotContext> = RefCell::new(BotContext::default());
}

/// Most loop iterations one block may run (a runaway loop becomes a script error).
const LOOP_LIMIT: u64 = 1_000_000;

/// Most wall-clock time one block (or the global functions) may take.
pub const BLOCK_BUDGET: Duration = Duration::from_millis(chatlet_engine::BLOCK_BUDGET_MS as u64);

/// What the realm's thread is asked to evaluate.
enum Job {
    /// A new realm with these global functions.
    Start(Option<String>),
    /// A block in its own function scope.
    Run(String),
}

type Done = (Result<(), String>, BotContext);

/// The thread that owns a realm.
struct Worker {
    jobs: Sender<(Job, BotContext)>,
    done: Receiver<Done>,
}

impl Worker {
    fn spawn() -> Option<Worker> {
        let (jobs, inbox) = mpsc::channel::<(Job, BotContext)>();
        let (outbox, done) = mpsc::channel();
        thread::Builder::new()
            .name("boa".into())
            .stack_size(32 << 20)
            .spawn(move || {
                let mut context = fresh();
                for (job, mut ctx) in inbox {
                    let result = match job {
                        Job::Start(globals) => {
                            context = fresh();
                            globals.map_or(Ok(()), |g| eval(&mut context, &g, &mut ctx))
                        }
                        Job::Run(source) => eval(&mut context, &source, &mut ctx),
                    };
                    if outbox.send((result, ctx)).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Worker { jobs, done })
    }
}

/// A boa realm per conversation, on its own thread, with a time budget per block.
pub struct Boa {
    worker: Option<Worker>,
    /// The bot's global functions, to set up a fresh realm after a block over budget.
    globals: Option<String>,
    budget: Duration,
}

impl Default for Boa {
    fn default() -> Self {
        Boa::with_budget(BLOCK_BUDGET)
    }
}

impl Boa {
    /// A realm whose blocks may each take at most `budget`.
    pub fn with_budget(budget: Duration) -> Boa {
        Boa {
            worker: None,
            globals: None,
            budget,
        }
    }

    /// Sends `job` to the realm's thread with the context and waits, within the budget.
    fn ask(&mut self, job: Job, ctx: &mut BotContext) -> Result<(), String> {
        if self.worker.is_none() {
            let worker = Worker::spawn().ok_or("cannot start a JavaScript thread")?;
            // A replacement realm gets the bot's global functions first.
            let globals = Job::Start(self.globals.clone());
            worker
                .jobs
                .send((globals, BotContext::default()))
                .map_err(|e| e.to_string())?;
            let _ = worker.done.recv_timeout(self.budget);
            self.worker = Some(worker);
        }
        let worker = self.worker.as_ref().expect("a worker");
        let before = ctx.clone();
        worker
            .jobs
            .send((job, std::mem::take(ctx)))
            .map_err(|e| e.to_string())?;
        match worker.done.recv_timeout(self.budget) {
            Ok((result, after)) => {
                *ctx = after;
                result
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                // The thread is left to finish on its own; the next block gets a new one.
                self.worker = None;
                *ctx = before;
                Err(chatlet_engine::over_budget(self.budget.as_millis() as u64))
            }
        }
    }
}

fn fresh() -> Context {
    let mut context = Context::default();
    context
        .runtime_limits_mut()
        .set_loop_iteration_limit(LOOP_LIMIT);
    context.runtime_limits_mut().set_recursion_limit(400);
    context
        .register_global_callable(
            js_string!("__chatletCall"),
            2,
            NativeFunction::from_fn_ptr(call),
        )
        .expect("a fresh realm accepts a global function");
    context
        .eval(Source::from_bytes(prelude().as_bytes()))
        .expect("the botContext prelude is valid JavaScript");
    context
}

/// `__chatletCall(name, argsJson)`: the one door from JavaScript into the engine.
fn call(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let text = |i: usize, context: &mut Context| -> JsResult<String> {
        let value = args.get(i).cloned().unwrap_or_default();
        Ok(value.to_string(context)?.to_std_string_escaped())
    };
    let name = text(0, context)?;
    let list: Vec<Value> = serde_json::from_str(&text(1, context)?).unwrap_or_default();
    let result = CURRENT.with(|c| c.borrow_mut().call(&name, &list));
    match result {
        Ok(value) => Ok(JsValue::from(js_string!(value.to_string()))),
        Err(message) => Err(JsNativeError::typ().with_message(message).into()),
    }
}

/// Code boa must not be handed: nesting deeper than [`MAX_CODE_DEPTH`] overflows its
/// parser's stack (the loaders refuse such bots; this guards every other way in).
fn too_deep(source: &str) -> Option<String> {
    let depth = nesting(source);
    (depth > MAX_CODE_DEPTH).then(|| {
        format!(
            "SyntaxError: code nests brackets {depth} deep; at most {MAX_CODE_DEPTH} are allowed"
        )
    })
}

/// Evaluates `source` in `context` with the session's context in reach of `botContext`.
fn eval(context: &mut Context, source: &str, ctx: &mut BotContext) -> Result<(), String> {
    if let Some(error) = too_deep(source) {
        return Err(error);
    }
    CURRENT.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
    let result = context.eval(Source::from_bytes(source.as_bytes()));
    let result = result.map(|_| ()).map_err(|e| {
        e.try_native(context)
            .map(|n| n.to_string())
            .unwrap_or_else(|_| e.to_string())
    });
    CURRENT.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
    result
}

/// The syntax error in a block of bot code, if any. The block is parsed (never run) as a
/// function body, which is how both hosts and precompiled script files hold it. It is
/// parsed in two different surroundings, so a block that closes its own function and
/// goes on outside it does not pass.
pub fn syntax_error(source: &str) -> Option<String> {
    if let Some(error) = too_deep(source) {
        return Some(error);
    }
    let mut context = Context::default();
    ["(function () {\n", "[0, function () {\n"]
        .iter()
        .zip(["\n});", "\n}];"])
        .find_map(|(open, close)| {
            let wrapped = format!("{open}{source}{close}");
            boa_engine::Script::parse(Source::from_bytes(wrapped.as_bytes()), None, &mut context)
                .err()
                .map(|e| e.to_string())
        })
}

impl ScriptHost for Boa {
    fn start(&mut self, globals: Option<&Script>, ctx: &mut BotContext) -> Result<(), String> {
        self.globals = globals.map(|g| g.source.clone());
        self.ask(Job::Start(self.globals.clone()), ctx)
    }

    fn run(&mut self, script: &Script, ctx: &mut BotContext) -> Result<(), String> {
        let source = format!("(function () {{\n{}\n}})();", script.source);
        self.ask(Job::Run(source), ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_block_over_its_time_budget_is_stopped_and_the_next_one_runs() {
        let mut boa = Boa::with_budget(Duration::from_millis(300));
        let mut ctx = BotContext::default();
        boa.start(
            Some(&script("function twice(a) { return a + a; }")),
            &mut ctx,
        )
        .unwrap();
        // A backtracking regular expression: boa's loop limit does not reach it.
        let hang = "botContext.setBotVariable('seen', 'yes', false, false);\n\
                    /^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab');";
        let started = std::time::Instant::now();
        let error = boa.run(&script(hang), &mut ctx).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert!(error.contains("ran longer than 300 ms"), "{error}");
        assert!(
            ctx.call("getBotVariable", &[json!("seen")])
                .unwrap()
                .is_null(),
            "the context is as before the block"
        );
        boa.run(
            &script("botContext.setBotVariable('x', twice('ab'), false, false);"),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(
            ctx.call("getBotVariable", &[json!("x")]).unwrap(),
            json!("abab")
        );
    }

    #[test]
    fn deeply_nested_code_is_an_error_not_a_stack_overflow() {
        let deep = format!("var a = {}1{};", "[".repeat(300), "]".repeat(300));
        assert!(syntax_error(&deep).unwrap().contains("300 deep"));
        let mut boa = Boa::default();
        let mut ctx = BotContext::default();
        let error = boa.run(&script(&deep), &mut ctx).unwrap_err();
        assert!(error.contains("at most 64"), "{error}");
    }

    fn script(source: &str) -> Script {
        Script {
            key: "test".into(),
            source: source.into(),
        }
    }

    #[test]
    fn a_global_changed_by_one_block_is_seen_by_the_next() {
        let mut boa = Boa::default();
        let mut ctx = BotContext::default();
        let counter = "var turns = 0; function count() { turns += 1; return turns; }";
        boa.start(Some(&script(counter)), &mut ctx).unwrap();
        for _ in 0..2 {
            boa.run(&script("count();"), &mut ctx).unwrap();
        }
        boa.run(
            &script("botContext.setBotVariable('n', count(), true, false);"),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(ctx.call("getBotVariable", &[json!("n")]).unwrap(), json!(3));
    }

    #[test]
    fn globals_blocks_and_values_round_trip() {
        let mut boa = Boa::default();
        let mut ctx = BotContext::default();
        boa.start(
            Some(&script("function twice(a) { return a.concat(a); }")),
            &mut ctx,
        )
        .unwrap();
        boa.run(
            &script(
                "var v = twice([1, {x: 'y'}]); botContext.setBotVariable('v', v, true, false);",
            ),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(
            ctx.call("getBotVariable", &[json!("v")]).unwrap(),
            json!([1, {"x": "y"}, 1, {"x": "y"}])
        );
        boa.run(
            &script("if (botContext.getBotVariable('v').length !== 4) throw new Error('lost');"),
            &mut ctx,
        )
        .unwrap();
    }

    #[test]
    fn syntax_is_checked_without_running() {
        assert_eq!(syntax_error("while (true) {} return 1;"), None);
        let e = syntax_error("var a = ;").expect("a syntax error");
        assert!(!e.is_empty());
        assert!(syntax_error("}); evil(); (function () {").is_some());
    }

    #[test]
    fn errors_are_reported_not_fatal() {
        let mut boa = Boa::default();
        let mut ctx = BotContext::default();
        let e = boa
            .run(&script("undefinedThing.x = 1;"), &mut ctx)
            .unwrap_err();
        assert!(e.contains("undefinedThing"), "{e}");
        let e = boa
            .run(&script("botContext.askMaven();"), &mut ctx)
            .unwrap_err();
        assert!(
            e.contains("not a function") || e.contains("askMaven"),
            "{e}"
        );
        let e = boa.run(&script("while (true) {}"), &mut ctx).unwrap_err();
        assert!(!e.is_empty());
        // Blocks have their own scope.
        boa.run(&script("var local = 1;"), &mut ctx).unwrap();
        assert!(boa
            .run(
                &script("if (typeof local !== 'undefined') throw 'leak';"),
                &mut ctx
            )
            .is_ok());
    }
}
