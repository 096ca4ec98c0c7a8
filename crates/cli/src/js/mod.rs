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

/// Parses `code` as a script without running any of it. A syntax error comes with its
/// line and column in `code`, where QuickJS gives them.
fn compile(js: &Ctx<'_>, code: &str) -> Result<(), (String, Option<(u32, u32)>)> {
    // NUL-terminated, as `JS_Eval` requires; a NUL inside the code (in a string literal,
    // say) is the parser's to judge, not a reason to refuse it.
    let mut text = Vec::with_capacity(code.len() + 1);
    text.extend_from_slice(code.as_bytes());
    text.push(0);
    let flags = qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
    // SAFETY: the context is live for `js`'s lifetime; the source is NUL-terminated and
    // `len` excludes the terminator, as `JS_Eval` requires; with COMPILE_ONLY nothing runs.
    let raw = unsafe {
        qjs::JS_Eval(
            js.as_raw().as_ptr(),
            text.as_ptr().cast(),
            code.len() as _,
            c"bot code".as_ptr(),
            flags as i32,
        )
    };
    // SAFETY: `JS_Eval` returns a value the caller owns, of this context's runtime; the
    // wrapper frees it once.
    let value = unsafe { Value::from_raw(js.clone(), raw) };
    if value.is_exception() {
        // The place is in the exception's stack, "at bot code:LINE:COLUMN".
        let caught = js.catch();
        let place = caught
            .as_exception()
            .and_then(|e| e.get::<_, String>("stack").ok())
            .and_then(|stack| {
                let (_, at) = stack.split_once("bot code:")?;
                let mut numbers = at.split(|c: char| !c.is_ascii_digit());
                Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
            });
        // Thrown again, for `thrown` to describe as it describes every error.
        js.throw(caught);
        return Err((thrown(js, rquickjs::Error::Exception), place));
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
    let lines = source.split('\n').count() as u32;
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
                .map(|(message, place)| match place {
                    // The line the surrounding opened is not the block's; one past the
                    // block's last is the surrounding's close (an unclosed bracket,
                    // string or comment).
                    Some((line, _)) if line > lines + 1 => {
                        format!("{message}, at the end of the block")
                    }
                    Some((line, column)) if line > 1 => {
                        format!("{message}, line {} column {column}", line - 1)
                    }
                    _ => message,
                })
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
mod tests;
