//! Runs bot JavaScript natively with QuickJS (through `rquickjs`): the command line's
//! [`ScriptHost`], under limits the code cannot escape.
//!
//! `botContext` is the engine's [`prelude`] over one native function, `__chatletCall(name,
//! args)`, which forwards to [`BotContext::call`]: the arguments cross as JSON (QuickJS's
//! own `JSON.stringify`, read by `serde_json`) and the result comes back through
//! `JSON.parse`, so values keep JSON's shapes. While a block runs, the session's context
//! is moved into a thread-local cell that the native function reads (and moved back after).
//!
//! A conversation's realm lives on a thread of its own, and bot code there gets:
//! - [`STACK_LIMIT`] of stack. QuickJS checks it at every token it parses, every call it
//!   makes and in each native that recurses (`JSON`, `join`, regular expressions), so it
//!   holds for nesting of any kind, written in the bot or built at run time with `eval`
//!   or `Function`, and for deep data;
//! - [`MEMORY_LIMIT`] of heap (QuickJS counts every byte it allocates), and
//!   [`MAX_HANDED_BYTES`] of values handed to `botContext` per block;
//! - [`BLOCK_BUDGET`] of wall-clock time per block: an interrupt handler stops the
//!   interpreter and regular expressions at the deadline, and a block still running a
//!   native a second later has its thread left to finish on its own.
//!
//! Going over any of them is a script error that names the limit, and the flow goes on.
//! After a block over its time budget, the context is as it was before the block and a
//! fresh realm with the bot's global functions takes over.

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use chatlet_engine::Script;
use chatlet_engine::{over_budget, prelude, BotContext, ScriptHost};
use rquickjs::context::EvalOptions;
use rquickjs::{qjs, Coerced, Context, Ctx, Exception, FromJs, Function, Runtime, Value};

thread_local! {
    static CURRENT: RefCell<BotContext> = RefCell::new(BotContext::default());
    /// Bytes of JSON the running block has handed to `botContext` so far.
    static HANDED: Cell<usize> = const { Cell::new(0) };
}

/// Most stack bot code may use: its parser and interpreter throw a `RangeError` past it.
/// Room for about 1,600 brackets or 5,000 `if`s nested, or 650 recursive calls in a debug
/// build (more in a release build); small enough that `JSON.stringify`, whose cycle check
/// is quadratic in the depth, is done with the deepest value it can reach within half a
/// second (docs/performance.md).
pub const STACK_LIMIT: usize = 2 << 20;

/// The stack of a realm's thread: [`STACK_LIMIT`] for QuickJS and as much again for the
/// Rust it calls at its deepest (`botContext`, whose values nest at most 128 deep).
const THREAD_STACK: usize = 2 * STACK_LIMIT;

/// Most memory one conversation's realm may allocate.
pub const MEMORY_LIMIT: usize = 128 << 20;

/// Most JSON one block may hand to `botContext` (what it hands is kept outside the realm's
/// memory, in the session).
pub const MAX_HANDED_BYTES: usize = 8 << 20;

/// Most wall-clock time one block (or the global functions) may take.
pub const BLOCK_BUDGET: Duration = Duration::from_millis(chatlet_engine::BLOCK_BUDGET_MS as u64);

/// How long past its budget a block stuck in a native (which the interrupt handler does
/// not reach) is waited for before its thread is left behind.
const GRACE: Duration = Duration::from_secs(1);

/// What the realm's thread is asked to evaluate.
enum Job {
    /// A new realm with these global functions.
    Start(Option<String>),
    /// A block in its own function scope.
    Run(String),
}

/// What a job gave, the context after it, and whether the budget stopped it halfway.
type Done = (Result<(), String>, BotContext, bool);

/// The thread that owns a realm.
struct Worker {
    jobs: Sender<(Job, BotContext)>,
    done: Receiver<Done>,
}

impl Worker {
    fn spawn(budget: Duration) -> Option<Worker> {
        let (jobs, inbox) = mpsc::channel::<(Job, BotContext)>();
        let (outbox, done) = mpsc::channel();
        thread::Builder::new()
            .name("quickjs".into())
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let mut realm: Option<Realm> = None;
                for (job, mut ctx) in inbox {
                    let (source, fresh) = match job {
                        Job::Start(globals) => (globals, true),
                        Job::Run(source) => (Some(source), realm.is_none()),
                    };
                    if fresh {
                        match Realm::new() {
                            Ok(new) => realm = Some(new),
                            Err(e) => {
                                if outbox.send((Err(e), ctx, false)).is_err() {
                                    return;
                                }
                                continue;
                            }
                        }
                    }
                    let realm = realm.as_mut().expect("a realm");
                    let result = source.map_or(Ok(()), |s| realm.eval(&s, &mut ctx, budget));
                    if outbox.send((result, ctx, realm.stopped.get())).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Worker { jobs, done })
    }
}

/// A QuickJS realm per conversation, on its own thread, under the limits above.
pub struct QuickJs {
    worker: Option<Worker>,
    /// The bot's global functions, to set up a fresh realm after a block over budget.
    globals: Option<String>,
    budget: Duration,
}

impl Default for QuickJs {
    fn default() -> Self {
        QuickJs::with_budget(BLOCK_BUDGET)
    }
}

impl QuickJs {
    /// A realm whose blocks may each take at most `budget`.
    pub fn with_budget(budget: Duration) -> QuickJs {
        QuickJs {
            worker: None,
            globals: None,
            budget,
        }
    }

    /// Sends `job` to the realm's thread with the context and waits for it.
    fn ask(&mut self, job: Job, ctx: &mut BotContext) -> Result<(), String> {
        if self.worker.is_none() {
            let worker = Worker::spawn(self.budget).ok_or("cannot start a JavaScript thread")?;
            if matches!(job, Job::Run(_)) {
                // A replacement realm gets the bot's global functions first.
                let globals = Job::Start(self.globals.clone());
                worker
                    .jobs
                    .send((globals, BotContext::default()))
                    .map_err(|e| e.to_string())?;
                let _ = worker.done.recv_timeout(self.budget + GRACE);
            }
            self.worker = Some(worker);
        }
        let worker = self.worker.as_ref().expect("a worker");
        let before = ctx.clone();
        worker
            .jobs
            .send((job, std::mem::take(ctx)))
            .map_err(|e| e.to_string())?;
        let answer = worker.done.recv_timeout(self.budget + GRACE);
        if let Ok((result, after, false)) = answer {
            *ctx = after;
            return result;
        }
        // Stopped halfway, or stuck in a native past the budget (its thread then finishes
        // on its own, within its memory): nothing of the block stays, in the context or
        // in the realm, which a fresh one replaces.
        self.worker = None;
        *ctx = before;
        match answer {
            Err(RecvTimeoutError::Disconnected) => Err("the JavaScript thread stopped".into()),
            _ => Err(over_budget(self.budget.as_millis() as u64)),
        }
    }
}

/// A runtime with the limits, and its one context.
struct Realm {
    // Declared first, dropped first: the context belongs to the runtime.
    context: Context,
    runtime: Runtime,
    /// When the running block must stop; `None` between blocks.
    deadline: Rc<Cell<Option<Instant>>>,
    /// Whether the interrupt handler stopped the block.
    stopped: Rc<Cell<bool>>,
}

/// A QuickJS runtime held to [`STACK_LIMIT`] and [`MEMORY_LIMIT`]. Its stack is measured
/// from the calling thread's current depth, so it is made on the thread that uses it.
fn limited() -> Result<(Runtime, Context), String> {
    let runtime = Runtime::new().map_err(|e| e.to_string())?;
    runtime.set_max_stack_size(STACK_LIMIT);
    runtime.set_memory_limit(MEMORY_LIMIT);
    let context = Context::full(&runtime).map_err(|e| e.to_string())?;
    Ok((runtime, context))
}

impl Realm {
    /// A fresh realm with `botContext` defined.
    fn new() -> Result<Realm, String> {
        let (runtime, context) = limited()?;
        let deadline = Rc::new(Cell::new(None::<Instant>));
        let stopped = Rc::new(Cell::new(false));
        let (due, flag) = (Rc::clone(&deadline), Rc::clone(&stopped));
        runtime.set_interrupt_handler(Some(Box::new(move || {
            let over = due.get().is_some_and(|d| Instant::now() >= d);
            if over {
                flag.set(true);
            }
            over
        })));
        context
            .with(|js| -> rquickjs::Result<()> {
                js.globals()
                    .set("__chatletCall", Function::new(js.clone(), call)?)?;
                js.eval_with_options::<(), _>(prelude(), sloppy())
            })
            .map_err(|e| format!("the botContext prelude does not run: {e}"))?;
        Ok(Realm {
            context,
            runtime,
            deadline,
            stopped,
        })
    }

    /// Evaluates `source` with the session's context in reach of `botContext`, then the
    /// promise jobs it queued, all within `budget`.
    fn eval(&mut self, source: &str, ctx: &mut BotContext, budget: Duration) -> Result<(), String> {
        CURRENT.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
        HANDED.set(0);
        self.stopped.set(false);
        self.deadline.set(Some(Instant::now() + budget));
        let mut result = self.context.with(|js| {
            let result = js.eval_with_options::<(), _>(source, sloppy());
            result.map_err(|e| thrown(&js, e))
        });
        while result.is_ok() && self.runtime.is_job_pending() && !self.stopped.get() {
            if let Err(e) = self.runtime.execute_pending_job() {
                result = e.0.with(|js| Err(thrown(&js, rquickjs::Error::Exception)));
            }
        }
        self.deadline.set(None);
        CURRENT.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
        if self.stopped.get() {
            return Err(over_budget(budget.as_millis() as u64));
        }
        result
    }
}

/// Bot code is sloppy-mode script code, as in a page's `<script>` (rquickjs's default is
/// strict).
fn sloppy() -> EvalOptions {
    let mut options = EvalOptions::default();
    options.strict = false;
    options.filename = Some("bot code".into());
    options
}

/// `__chatletCall(name, args)`: the one door from JavaScript into the engine.
fn call<'js>(js: Ctx<'js>, name: Value<'js>, args: Value<'js>) -> rquickjs::Result<Value<'js>> {
    let name = match name.as_string() {
        Some(name) => name.to_string()?,
        None => String::new(),
    };
    let text = match js.json_stringify(args)? {
        Some(text) => text.to_string()?,
        None => "[]".into(),
    };
    let handed = HANDED.get() + text.len();
    HANDED.set(handed);
    if handed > MAX_HANDED_BYTES {
        let limit = MAX_HANDED_BYTES >> 20;
        return Err(Exception::throw_range(
            &js,
            &format!("botContext.{name}: a block may hand botContext at most {limit} MiB of values (as JSON)"),
        ));
    }
    let list = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Array(list)) => list,
        Ok(_) => vec![],
        Err(e) => {
            // serde_json reads at most 128 levels, so no deeper value reaches the engine.
            return Err(Exception::throw_range(
                &js,
                &format!("botContext.{name}: a value nested more than 127 deep cannot be handed to botContext ({e})"),
            ));
        }
    };
    let result = CURRENT.with(|c| c.borrow_mut().call(&name, &list));
    match result {
        Ok(value) => js.json_parse(value.to_string()),
        Err(message) => Err(Exception::throw_type(&js, &message)),
    }
}

/// The script error for a failed evaluation: `Name: message` for what the code threw,
/// with the limit named when QuickJS threw for one.
fn thrown(js: &Ctx<'_>, error: rquickjs::Error) -> String {
    if !matches!(error, rquickjs::Error::Exception) {
        return error.to_string();
    }
    let value = js.catch();
    let Some(exception) = value.as_exception() else {
        return match Coerced::<String>::from_js(js, value) {
            Ok(text) => format!("uncaught {}", text.0),
            Err(_) => "uncaught exception".into(),
        };
    };
    let name: String = exception.get("name").unwrap_or_else(|_| "Error".into());
    let message = exception.message().unwrap_or_default();
    match message.as_str() {
        "Maximum call stack size exceeded" => format!(
            "{name}: {message}: code or data nested too deep for the {} MiB of stack bot code gets",
            STACK_LIMIT >> 20
        ),
        "out of memory" => format!(
            "{name}: {message}: bot code gets {} MiB of memory per conversation",
            MEMORY_LIMIT >> 20
        ),
        _ => format!("{name}: {message}"),
    }
}

/// Parses `code` as a script without running any of it.
fn compile(js: &Ctx<'_>, code: &str) -> Result<(), String> {
    let text = CString::new(code).map_err(|_| "the code holds a NUL character".to_string())?;
    let flags = qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
    // SAFETY: the context is live for `js`'s lifetime; the source is NUL-terminated and
    // `len` excludes the terminator, as `JS_Eval` requires; with COMPILE_ONLY nothing runs.
    let raw = unsafe {
        qjs::JS_Eval(
            js.as_raw().as_ptr(),
            text.as_ptr(),
            code.len() as _,
            c"bot code".as_ptr(),
            flags as i32,
        )
    };
    // SAFETY: `JS_Eval` returns a value the caller owns, of this context's runtime; the
    // wrapper frees it once.
    let value = unsafe { Value::from_raw(js.clone(), raw) };
    if value.is_exception() {
        return Err(thrown(js, rquickjs::Error::Exception));
    }
    Ok(())
}

/// The syntax error in a block of bot code, if any. The block is parsed (never run) as a
/// function body, which is how both hosts and precompiled script files hold it. It is
/// parsed in two different surroundings, so a block that closes its own function and
/// goes on outside it does not pass. Parsing is held to the realm's stack and memory, on
/// a thread of its own.
pub fn syntax_error(source: &str) -> Option<String> {
    let source = source.to_string();
    let parse = move || -> Option<String> {
        let (_runtime, context) = match limited() {
            Ok(realm) => realm,
            Err(e) => return Some(e),
        };
        context.with(|js| {
            ["(function () {\n", "[0, function () {\n"]
                .iter()
                .zip(["\n});", "\n}];"])
                .find_map(|(open, close)| compile(&js, &format!("{open}{source}{close}")).err())
        })
    };
    match thread::Builder::new().stack_size(THREAD_STACK).spawn(parse) {
        Ok(parser) => parser
            .join()
            .unwrap_or_else(|_| Some("the parser stopped".into())),
        Err(e) => Some(format!("cannot start a JavaScript thread: {e}")),
    }
}

impl ScriptHost for QuickJs {
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

    fn script(source: &str) -> Script {
        Script {
            key: "test".into(),
            source: source.into(),
        }
    }

    #[test]
    fn a_block_over_its_time_budget_is_stopped_and_the_next_one_runs() {
        let mut js = QuickJs::with_budget(Duration::from_millis(300));
        let mut ctx = BotContext::default();
        js.start(
            Some(&script("function twice(a) { return a + a; }")),
            &mut ctx,
        )
        .unwrap();
        // A backtracking regular expression: the interrupt reaches into the matcher.
        let hang = "botContext.setBotVariable('seen', 'yes', false, false);\n\
                    /^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab');";
        let started = Instant::now();
        let error = js.run(&script(hang), &mut ctx).unwrap_err();
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
        js.run(
            &script("botContext.setBotVariable('x', twice('ab'), false, false);"),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(
            ctx.call("getBotVariable", &[json!("x")]).unwrap(),
            json!("abab")
        );
        let error = js.run(&script("for (;;) {}"), &mut ctx).unwrap_err();
        assert!(error.contains("ran longer than 300 ms"), "{error}");
    }

    /// Nesting of every kind, written out in the block (the loaders refuse such bots;
    /// this is every other way in), past what any stack holds.
    fn deep_shapes() -> Vec<(&'static str, String)> {
        vec![
            (
                "brackets",
                format!("var a = {}1{};", "[".repeat(300_000), "]".repeat(300_000)),
            ),
            ("bangs", format!("var x = {}1;", "!".repeat(105_460))),
            ("ifs", format!("{}{{}}", "if(1)".repeat(89_840))),
            ("arrows", format!("var f = {}1;", "()=>".repeat(144_520))),
            ("ternaries", format!("var x = {}1;", "1?1:".repeat(100_000))),
            (
                "else ifs",
                format!("{}{{}}", "if(0){}else ".repeat(100_000)),
            ),
            (
                "labels",
                (0..20_000).map(|i| format!("l{i}:")).collect::<String>() + ";",
            ),
        ]
    }

    #[test]
    fn deeply_nested_code_is_an_error_not_a_stack_overflow() {
        let mut js = QuickJs::default();
        let mut ctx = BotContext::default();
        for (name, code) in deep_shapes() {
            // Where the stack runs out in an arrow's lookahead, QuickJS drops the stack's
            // error and reports a syntax error instead.
            let named = |e: &str| {
                e.contains("MiB of stack") || (name == "arrows" && e.starts_with("SyntaxError"))
            };
            let error = syntax_error(&code).unwrap_or_else(|| panic!("{name} parses"));
            assert!(named(&error), "{name}: {error}");
            let error = js.run(&script(&code), &mut ctx).unwrap_err();
            assert!(named(&error), "{name}: {error}");
        }
        // The realm goes on.
        js.run(
            &script("botContext.setBotVariable('n', 1, false, false);"),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(ctx.call("getBotVariable", &[json!("n")]).unwrap(), json!(1));
    }

    #[test]
    fn deep_values_stop_at_the_stack_and_at_botcontext() {
        let mut js = QuickJs::default();
        let mut ctx = BotContext::default();
        let deep = |n: u32, then: &str| {
            script(&format!(
                "var a = []; for (var i = 0; i < {n}; i++) {{ a = [a]; }} {then}"
            ))
        };
        for then in [
            "JSON.stringify(a);",
            "String(a);",
            "botContext.setBotVariable('a', a, false, false);",
        ] {
            let error = js.run(&deep(390_620, then), &mut ctx).unwrap_err();
            assert!(error.contains("MiB of stack"), "{then}: {error}");
        }
        let error = js
            .run(
                &deep(200, "botContext.setBotVariable('a', a, false, false);"),
                &mut ctx,
            )
            .unwrap_err();
        assert!(error.contains("more than 127 deep"), "{error}");
        js.run(
            &deep(100, "botContext.setBotVariable('a', a, false, false);"),
            &mut ctx,
        )
        .unwrap();
    }

    #[test]
    fn memory_is_limited_in_the_realm_and_at_botcontext() {
        let mut js = QuickJs::default();
        let mut ctx = BotContext::default();
        let flat = "var s = 'x'; for (var i = 0; i < 29; i++) { s = s + s; } s.indexOf('y');";
        let error = js.run(&script(flat), &mut ctx).unwrap_err();
        assert!(error.contains("128 MiB of memory"), "{error}");
        let arrays = "var a = []; for (;;) { a.push(new Array(1e6).fill(1)); }";
        let error = js.run(&script(arrays), &mut ctx).unwrap_err();
        assert!(error.contains("128 MiB of memory"), "{error}");
        let flood = "var m = 'x'.repeat(1 << 20); \
                     for (var i = 0; ; i++) { botContext.setBotVariable('v' + i, m, false, false); }";
        let error = js.run(&script(flood), &mut ctx).unwrap_err();
        assert!(error.contains("at most 8 MiB"), "{error}");
        // The memory came back: the realm still works.
        js.run(
            &script("botContext.setBotVariable('ok', 'x'.repeat(1e6).length, false, false);"),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(
            ctx.call("getBotVariable", &[json!("ok")]).unwrap(),
            json!(1_000_000)
        );
    }

    #[test]
    fn a_global_changed_by_one_block_is_seen_by_the_next() {
        let mut js = QuickJs::default();
        let mut ctx = BotContext::default();
        let counter = "var turns = 0; function count() { turns += 1; return turns; }";
        js.start(Some(&script(counter)), &mut ctx).unwrap();
        for _ in 0..2 {
            js.run(&script("count();"), &mut ctx).unwrap();
        }
        js.run(
            &script("botContext.setBotVariable('n', count(), true, false);"),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(ctx.call("getBotVariable", &[json!("n")]).unwrap(), json!(3));
    }

    #[test]
    fn globals_blocks_and_values_round_trip() {
        let mut js = QuickJs::default();
        let mut ctx = BotContext::default();
        js.start(
            Some(&script("function twice(a) { return a.concat(a); }")),
            &mut ctx,
        )
        .unwrap();
        js.run(
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
        js.run(
            &script("if (botContext.getBotVariable('v').length !== 4) throw new Error('lost');"),
            &mut ctx,
        )
        .unwrap();
    }

    #[test]
    fn promise_jobs_run_after_the_block_within_its_budget() {
        let mut js = QuickJs::with_budget(Duration::from_millis(300));
        let mut ctx = BotContext::default();
        let then = "Promise.resolve(2).then(function (n) { \
                    botContext.setBotVariable('p', n, false, false); });";
        js.run(&script(then), &mut ctx).unwrap();
        assert_eq!(ctx.call("getBotVariable", &[json!("p")]).unwrap(), json!(2));
        let forever = "function again() { Promise.resolve().then(again); } again();";
        let error = js.run(&script(forever), &mut ctx).unwrap_err();
        assert!(error.contains("ran longer than 300 ms"), "{error}");
    }

    #[test]
    fn syntax_is_checked_without_running() {
        assert_eq!(syntax_error("while (true) {} return 1;"), None);
        // Sloppy-mode code, as pages run it.
        assert_eq!(syntax_error("with (Math) { var x = 010; }"), None);
        let e = syntax_error("var a = ;").expect("a syntax error");
        assert!(e.starts_with("SyntaxError"), "{e}");
        assert!(syntax_error("}); evil(); (function () {").is_some());
    }

    #[test]
    fn errors_are_reported_not_fatal() {
        let mut js = QuickJs::default();
        let mut ctx = BotContext::default();
        let e = js
            .run(&script("undefinedThing.x = 1;"), &mut ctx)
            .unwrap_err();
        assert!(e.contains("undefinedThing"), "{e}");
        let e = js
            .run(&script("botContext.askMaven();"), &mut ctx)
            .unwrap_err();
        assert!(
            e.contains("not a function") || e.contains("askMaven"),
            "{e}"
        );
        let e = js.run(&script("throw 'plain';"), &mut ctx).unwrap_err();
        assert_eq!(e, "uncaught plain");
        // Blocks have their own scope.
        js.run(&script("var local = 1;"), &mut ctx).unwrap();
        assert!(js
            .run(
                &script("if (typeof local !== 'undefined') throw 'leak';"),
                &mut ctx
            )
            .is_ok());
    }
}
