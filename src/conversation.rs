//! One window's conversation: it owns the engine session (through its [`Runner`], which
//! runs it in a worker when the bot has code), feeds it the visitor's and the page's
//! input, and performs what comes out (messages after their delays, fetches,
//! uploads, transfers, events for the page). The window's view (`components`) only
//! renders the [`Chat`] state this updates through its reducer.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chatlet_engine::model::succeeded;
use chatlet_engine::{Bot, FileIn, Input, Output};
use serde_json::{json, Value};
use web_sys::{File, HtmlInputElement};
use yew::platform::{spawn_local, time::sleep};
use yew::{NodeRef, UseReducerDispatcher};

use crate::chat::{Action, Chat, FileState, Note};
use crate::embed::MountOptions;
use crate::files;
use crate::host::{self, HostCall};
use crate::protocol::{Step, Turn};
use crate::runner::{Runner, Setup};
use crate::saved::{Answering, Saved};
use crate::store;

/// Who answers the visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The bot.
    Bot,
    /// Nobody yet: a transfer was handed to the page and its outcome is not in. The
    /// visitor's messages are held for the person.
    AwaitingTransfer,
    /// A person, through the page.
    Agent,
}

/// What came before the bot was loaded, in order.
enum Early {
    Input(Input),
    Variable(String, Value),
}

/// Files the visitor offered that are still needed (until their upload ends), by handle.
/// Handles are never reused, not even after a reset.
#[derive(Default)]
struct Files {
    next: u64,
    held: HashMap<u64, File>,
}

/// A window's conversation, shared by its callbacks and async work.
pub struct Conversation {
    /// The conversation id (in every event for the page).
    pub id: Rc<str>,
    /// What the window was mounted with.
    pub options: Rc<MountOptions>,
    /// The text box (focused on open, after a choice, after a file is picked).
    pub input: NodeRef,
    dispatch: UseReducerDispatcher<Chat>,
    runner: RefCell<Option<Rc<Runner>>>,
    /// The file types the bot waits for, after the last turn.
    expect: RefCell<Option<Vec<String>>>,
    /// Input and variables that came before the bot was loaded.
    early: RefCell<Vec<Early>>,
    files: RefCell<Files>,
    mode: Cell<Mode>,
    /// Visitor messages written while a transfer waits for the page's answer.
    held: RefCell<Vec<String>>,
    /// Counts transfers, so that a timeout only ends the transfer it was set for.
    transfers: Cell<u32>,
    /// The page's variables (mount options, then `setVariable`), set again after a reset.
    variables: RefCell<Vec<(String, Value)>>,
    /// Counts resets, so that a delayed message of the old conversation stays unshown.
    epoch: Cell<u32>,
    /// The text box should take focus when it is drawn.
    pub wants_focus: Cell<bool>,
    /// What is kept between page loads.
    keep: RefCell<Keep>,
}

/// What a window keeps of its conversation between page loads (`crate::saved`), and
/// where.
#[derive(Default)]
struct Keep {
    area: Option<web_sys::Storage>,
    key: String,
    /// The bot's fingerprint; empty until the bot is loaded (nothing is kept before).
    bot: String,
    /// The actions that drew the transcript (as `crate::saved::action_value` wrote them).
    actions: Vec<Value>,
    /// Requests and uploads not answered yet.
    flight: Vec<Output>,
    /// The first step kept: a reset forgets the steps before it (replaying the rest into
    /// a new session gives the same state).
    from: usize,
    /// A refusal by the storage was warned about.
    warned: Cell<bool>,
}

/// A shared [`Conversation`].
pub type Shared = Rc<Conversation>;

impl Conversation {
    /// A conversation not yet started: the bot is being loaded.
    pub fn new(
        id: Rc<str>,
        options: Rc<MountOptions>,
        dispatch: UseReducerDispatcher<Chat>,
    ) -> Conversation {
        Conversation {
            id,
            variables: RefCell::new(options.variables.clone()),
            options,
            input: NodeRef::default(),
            dispatch,
            runner: RefCell::new(None),
            expect: RefCell::new(None),
            early: RefCell::default(),
            files: RefCell::default(),
            mode: Cell::new(Mode::Bot),
            held: RefCell::default(),
            transfers: Cell::new(0),
            epoch: Cell::new(0),
            wants_focus: Cell::new(false),
            keep: RefCell::default(),
        }
    }

    /// Dispatches `name` on the widget's host element, with the conversation id.
    pub fn emit(&self, name: &str, mut detail: Value) {
        detail["conversationId"] = json!(&*self.id);
        host::emit(&self.options.host, name, &detail);
    }

    /// Changes the window's state; what changes the transcript is kept.
    pub fn act(&self, action: Action) {
        let kept = crate::saved::action_value(&action);
        let save_now = kept.is_some();
        self.keep.borrow_mut().actions.extend(kept);
        self.dispatch.dispatch(action);
        if save_now {
            save(self);
        }
    }
}

/// The bot (loaded from `text`) is ready: the conversation starts (or goes on where an
/// earlier page load left it), with what came before.
#[inline(never)] // not inside the loading future's state machine
pub fn start(conv: &Shared, bot: Bot, text: String) {
    let title = bot.name.clone();
    let saved = kept(conv, &bot.fingerprint);
    let setup = Setup {
        bot: Arc::new(bot),
        text,
        conversation_id: conv.id.to_string(),
        host: conv.options.host_info.clone(),
        glue: conv.options.glue.clone(),
    };
    let on_turn = {
        let weak = Rc::downgrade(conv);
        Box::new(move |turn: Turn| {
            if let Some(conv) = weak.upgrade() {
                on_turn(&conv, turn);
            }
        })
    };
    let log = saved.as_ref().map(|s| s.steps.clone()).unwrap_or_default();
    let runner = Runner::start(setup, log, on_turn);
    if runner.in_worker() {
        web_sys::console::info_1(&"chatlet: the bot's code runs in a worker".into());
    }
    if saved.is_none() {
        for (name, value) in conv.variables.borrow().iter() {
            runner.post(Step::Variable(name.clone(), value.clone()));
        }
    }
    *conv.runner.borrow_mut() = Some(runner);
    conv.act(Action::Loaded(title.clone()));
    if let Some(saved) = saved {
        resume(conv, saved);
    }
    save(conv);
    conv.emit("chatlet:ready", json!({ "bot": title }));
    for early in conv.early.take() {
        match early {
            Early::Input(input) => feed(conv, input),
            Early::Variable(name, value) => set_variable(conv, name, value),
        }
    }
}

/// The conversation kept for this bot from an earlier page load, if it can be used; one
/// that cannot is forgotten, with the reason on the console.
fn kept(conv: &Conversation, fingerprint: &str) -> Option<Saved> {
    let mut keep = conv.keep.borrow_mut();
    keep.area = conv.options.persist.area();
    keep.key = format!("chatlet:{}", conv.options.bot_url);
    keep.bot = fingerprint.to_string();
    let area = keep.area.as_ref()?;
    let text = store::read(area, &keep.key)?;
    match Saved::from_json(&text, fingerprint, js_sys::Date::now()) {
        Ok(saved) => Some(saved),
        Err(why) => {
            store::warn(&(why + "; a new conversation starts"));
            store::remove(area, &keep.key);
            None
        }
    }
}

/// Redraws a kept conversation and deals with what was in flight when the page was left:
/// a GET is sent again, any other call is not (a POST must never go twice) and takes its
/// failure rule, an upload (its file went with the page) fails.
fn resume(conv: &Shared, saved: Saved) {
    let handles = saved.actions.iter().filter_map(|a| match a {
        Action::FileOffered { handle, .. } => Some(*handle),
        _ => None,
    });
    let last = handles.max().unwrap_or(0);
    let mut files = conv.files.borrow_mut();
    files.next = files.next.max(last);
    drop(files);
    conv.keep.borrow_mut().actions = saved
        .actions
        .iter()
        .filter_map(crate::saved::action_value)
        .collect();
    for action in saved.actions {
        conv.dispatch.dispatch(action);
    }
    let mode = match saved.answering {
        Answering::Bot => Mode::Bot,
        Answering::Transfer => Mode::AwaitingTransfer,
        Answering::Agent => Mode::Agent,
    };
    conv.mode.set(mode);
    if mode == Mode::AwaitingTransfer {
        conv.transfers.set(conv.transfers.get() + 1);
        give_up_transfer(conv, 0);
    }
    conv.dispatch.dispatch(Action::Resumed(mode != Mode::Bot));
    for output in saved.flight {
        match output {
            Output::Request(request) if request.method == "GET" => call(conv, request),
            Output::Request(request) => feed(
                conv,
                Input::NetworkError {
                    id: request.id,
                    error: "the page was left during this call (not a GET): it is not sent again"
                        .into(),
                },
            ),
            Output::Upload(upload) => {
                settle_file(conv, upload.file, FileState::Failed);
                let error = "the page was left during the upload; the file went with it".into();
                feed(
                    conv,
                    Input::NetworkError {
                        id: upload.id,
                        error,
                    },
                );
            }
            _ => {}
        }
    }
}

/// Stores the conversation (after each turn and each change to the transcript).
fn save(conv: &Conversation) {
    let Ok(keep) = conv.keep.try_borrow() else {
        return;
    };
    let (Some(area), Some(runner)) = (keep.area.as_ref(), runner(conv)) else {
        return;
    };
    let answering = match conv.mode.get() {
        Mode::Bot => Answering::Bot,
        Mode::AwaitingTransfer => Answering::Transfer,
        Mode::Agent => Answering::Agent,
    };
    let text = Saved::write(
        &keep.bot,
        js_sys::Date::now(),
        runner.log().get(keep.from..).unwrap_or_default(),
        &keep.actions,
        &keep.flight,
        answering,
    );
    store::write(area, &keep.key, &text, &keep.warned);
}

/// The page's call, checked now (an `Err` is thrown to the page) and performed outside
/// whatever is running (see [`crate::host`]).
pub fn on_host(conv: &Shared, call: HostCall) -> Result<(), String> {
    if let HostCall::TransferOutcome(accepted) = call {
        if conv.mode.get() != Mode::AwaitingTransfer {
            return Err("chatlet.reportTransfer: no transfer is waiting for an outcome".into());
        }
        conv.mode
            .set(if accepted { Mode::Agent } else { Mode::Bot });
    }
    let conv = conv.clone();
    spawn_local(async move { perform_call(&conv, call) });
    Ok(())
}

fn perform_call(conv: &Shared, call: HostCall) {
    match call {
        HostCall::Send(text) => send(conv, text.clone(), text),
        HostCall::SetVariable(name, value) => set_variable(conv, name, value),
        HostCall::Reset => reset(conv),
        HostCall::Focus => focus(conv),
        HostCall::TransferOutcome(true) => {
            conv.act(Action::WithAgent(true));
            for text in conv.held.take() {
                conv.emit("chatlet:visitor-message", json!({ "text": text }));
            }
        }
        HostCall::TransferOutcome(false) => {
            // What the visitor wrote meanwhile stays in the transcript; the bot answers
            // the failure (CB's __agent_escalation_failed__ event), not those messages.
            conv.held.take();
            conv.act(Action::Note(Note::TransferFailed));
            feed(conv, Input::TransferFailed);
        }
        HostCall::AgentMessage(text) => conv.act(Action::Agent(text)),
        HostCall::EndTransfer => {
            conv.held.take();
            conv.mode.set(Mode::Bot);
            conv.act(Action::WithAgent(false));
        }
    }
}

/// A page variable: for the session now (or once the bot is loaded, in its turn among
/// the early input), and again after every reset.
fn set_variable(conv: &Shared, name: String, value: Value) {
    match runner(conv) {
        Some(r) => r.post(Step::Variable(name.clone(), value.clone())),
        None => {
            let early = Early::Variable(name.clone(), value.clone());
            conv.early.borrow_mut().push(early);
        }
    }
    let mut vars = conv.variables.borrow_mut();
    vars.retain(|(n, _)| *n != name);
    vars.push((name, value));
}

/// Puts the text box in focus, or asks the window to when it is drawn.
pub fn focus(conv: &Conversation) {
    match conv.input.cast::<HtmlInputElement>() {
        Some(input) if !input.disabled() => {
            let _ = input.focus();
            conv.wants_focus.set(false);
        }
        _ => conv.wants_focus.set(true),
    }
}

/// The visitor sends a message (`shown` in their bubble, `payload` to whoever answers).
/// The bot's turn runs after the event that sent it: bot code may click and submit the
/// widget itself, which must not happen inside the widget's own event handling.
pub fn send(conv: &Shared, shown: String, payload: String) {
    conv.act(Action::Visitor(shown));
    match conv.mode.get() {
        Mode::Bot => {
            let conv = conv.clone();
            spawn_local(async move { feed(&conv, Input::Text(payload)) });
        }
        Mode::AwaitingTransfer => conv.held.borrow_mut().push(payload),
        Mode::Agent => conv.emit("chatlet:visitor-message", json!({ "text": payload })),
    }
}

/// Starts the conversation over with the same bot: the page's variables stay.
fn reset(conv: &Shared) {
    conv.epoch.set(conv.epoch.get() + 1);
    conv.mode.set(Mode::Bot);
    conv.held.take();
    conv.early.take();
    conv.files.borrow_mut().held.clear();
    if let Some(r) = runner(conv) {
        conv.keep.borrow_mut().from = r.log().len();
        r.post(Step::Input(Input::Reset));
        for (name, value) in conv.variables.borrow().iter() {
            r.post(Step::Variable(name.clone(), value.clone()));
        }
    }
    {
        let mut keep = conv.keep.borrow_mut();
        keep.actions.clear();
        keep.flight.clear();
    }
    conv.act(Action::Reset);
    save(conv);
}

fn runner(conv: &Conversation) -> Option<Rc<Runner>> {
    conv.runner.borrow().clone()
}

/// Gives the session an input (or keeps it until the bot is loaded); its turn comes to
/// [`on_turn`].
pub fn feed(conv: &Shared, input: Input) {
    match runner(conv) {
        Some(r) => r.post(Step::Input(input)),
        None => conv.early.borrow_mut().push(Early::Input(input)),
    }
}

/// A turn of the session: its outputs are performed; while an integration call is in
/// flight the window shows the bot typing.
fn on_turn(conv: &Shared, turn: Turn) {
    deliver(conv, turn.outputs);
    *conv.expect.borrow_mut() = turn.expect.clone();
    conv.act(Action::Typing(turn.waiting));
    conv.act(Action::Expect(turn.expect));
    save(conv);
}

/// Shows the engine's outputs in order, each after its delay, and performs its requests
/// and uploads.
fn deliver(conv: &Shared, outputs: Vec<Output>) {
    let mut wait = 0u64;
    for output in outputs {
        let output = match output {
            Output::Debug { message } => {
                let line = format!("chatlet: {message}").into();
                if message.starts_with(chatlet_engine::event::SCRIPT_ERROR) {
                    web_sys::console::warn_1(&line);
                } else {
                    web_sys::console::debug_1(&line);
                }
                continue;
            }
            Output::Request(request) => {
                call(conv, request);
                continue;
            }
            Output::Upload(upload) => {
                upload_file(conv, upload);
                continue;
            }
            Output::FileRefused { file } => {
                settle_file(conv, file, FileState::Refused);
                continue;
            }
            Output::Transfer { delay_ms, .. } => {
                // From now on the visitor's messages wait for the page's answer.
                conv.mode.set(Mode::AwaitingTransfer);
                conv.transfers.set(conv.transfers.get() + 1);
                give_up_transfer(conv, wait + u64::from(delay_ms));
                output
            }
            other => other,
        };
        wait += match &output {
            Output::Text { delay_ms, .. }
            | Output::Image { delay_ms, .. }
            | Output::Transfer { delay_ms, .. } => u64::from(*delay_ms),
            _ => 0,
        };
        if wait == 0 {
            conv.act(Action::Bot(output));
        } else {
            let conv = conv.clone();
            let epoch = conv.epoch.get();
            spawn_local(async move {
                sleep(Duration::from_millis(wait)).await;
                if conv.epoch.get() == epoch {
                    conv.act(Action::Bot(output));
                }
            });
        }
    }
}

/// Performs an integration call, kept as in flight until its answer goes to the session.
fn call(conv: &Shared, request: chatlet_engine::Request) {
    conv.keep
        .borrow_mut()
        .flight
        .push(Output::Request(request.clone()));
    let conv = conv.clone();
    spawn_local(async move {
        let id = request.id;
        let input = perform(&conv, request).await;
        landed(&conv, id);
        feed(&conv, input);
    });
}

/// The request or upload `id` was answered: no longer in flight.
fn landed(conv: &Conversation, id: u64) {
    conv.keep.borrow_mut().flight.retain(|o| match o {
        Output::Request(r) => r.id != id,
        Output::Upload(u) => u.id != id,
        _ => true,
    });
}

/// A transfer the page leaves unanswered for the window's transfer timeout counts as
/// failed, so a page without an agent desk never leaves the visitor waiting for good.
fn give_up_transfer(conv: &Shared, delay_ms: u64) {
    let Some(seconds) = conv.options.transfer_timeout.filter(|s| *s > 0) else {
        return;
    };
    let (conv, transfer) = (conv.clone(), conv.transfers.get());
    spawn_local(async move {
        sleep(Duration::from_millis(delay_ms + u64::from(seconds) * 1000)).await;
        if conv.transfers.get() == transfer && conv.mode.get() == Mode::AwaitingTransfer {
            web_sys::console::warn_1(
                &format!("chatlet: the page did not answer the transfer within {seconds} s (chatlet.reportTransfer): it failed").into(),
            );
            conv.mode.set(Mode::Bot);
            perform_call(&conv, HostCall::TransferOutcome(false));
        }
    });
}

/// The visitor offers a file: the engine judges it from its name, size and first bytes;
/// a refused file is marked and nothing is sent.
pub fn offer(conv: &Shared, file: File, caption: String) {
    if conv.expect.borrow().is_none() {
        conv.act(Action::Note(Note::NotAsked));
        return;
    }
    let handle = {
        let mut files = conv.files.borrow_mut();
        files.next += 1;
        let handle = files.next;
        files.held.insert(handle, file.clone());
        handle
    };
    let (name, size) = (file.name(), file.size() as u64);
    conv.act(Action::FileOffered {
        handle,
        name: name.clone(),
        size,
    });
    let conv = conv.clone();
    let epoch = conv.epoch.get();
    spawn_local(async move {
        let head = files::head(&file).await;
        if conv.epoch.get() != epoch {
            return; // offered to a conversation that was reset since
        }
        let input = Input::File(FileIn {
            handle,
            name,
            size,
            head,
            caption,
        });
        feed(&conv, input);
    });
}

/// A file's upload ended (or never began): the window marks it and the page hears of it.
fn settle_file(conv: &Conversation, handle: u64, state: FileState) {
    let file = conv.files.borrow_mut().held.remove(&handle);
    conv.act(Action::File(handle, state));
    if let Some(file) = file {
        let outcome = match state {
            FileState::Sent => "sent",
            FileState::Refused => "refused",
            _ => "failed",
        };
        let detail = json!({ "name": file.name(), "size": file.size(), "outcome": outcome });
        conv.emit("chatlet:upload", detail);
    }
}

/// Streams an accepted file to its File integration, showing its progress; the answer
/// goes back to the engine, which routes `file_upload_success:` or `…failed:`.
fn upload_file(conv: &Shared, upload: chatlet_engine::Upload) {
    let handle = upload.file;
    let Some(file) = conv.files.borrow().held.get(&handle).cloned() else {
        let error = "the file is no longer available".into();
        feed(
            conv,
            Input::NetworkError {
                id: upload.id,
                error,
            },
        );
        return;
    };
    conv.keep
        .borrow_mut()
        .flight
        .push(Output::Upload(upload.clone()));
    conv.act(Action::File(handle, FileState::Sending(0)));
    let progress = {
        let dispatch = conv.dispatch.clone();
        move |sent| dispatch.dispatch(Action::File(handle, FileState::Sending(sent)))
    };
    let done = {
        let conv = conv.clone();
        let id = upload.id;
        move |input: Input| {
            let ok = matches!(input, Input::Response { status, .. } if succeeded(status));
            settle_file(
                &conv,
                handle,
                if ok {
                    FileState::Sent
                } else {
                    FileState::Failed
                },
            );
            landed(&conv, id);
            feed(&conv, input);
        }
    };
    files::send(&upload, &file, progress, done);
}

/// Performs an integration call with the browser's fetch. It is aborted after the
/// request's timeout; a timeout, a network error and a CORS refusal all come back as
/// [`Input::NetworkError`], which the bot's failure rules handle. A failed call is also
/// a `chatlet:error` event for the page.
async fn perform(conv: &Conversation, request: chatlet_engine::Request) -> Input {
    let id = request.id;
    let signal = web_sys::AbortSignal::timeout_with_u32(request.timeout_ms);
    let answer = async {
        // The request is built as the engine wrote it (gloo's builder would re-serialise
        // the URL and append a stray `&` to its query).
        let init = web_sys::RequestInit::new();
        init.set_method(&request.method);
        init.set_signal(Some(&signal));
        let headers = web_sys::Headers::new()?;
        for (key, value) in &request.headers {
            headers.append(key, value)?;
        }
        init.set_headers(&headers);
        if let Some(body) = &request.body {
            init.set_body(&wasm_bindgen::JsValue::from_str(body));
        }
        let sent = web_sys::Request::new_with_str_and_init(&request.url, &init)?;
        let response = gloo_net::http::Request::from(sent)
            .send()
            .await
            .map_err(|e| wasm_bindgen::JsValue::from_str(&e.to_string()))?;
        // The body is read under the same deadline, decoded as UTF-8 with replacement
        // characters for bad bytes (as the command line does).
        let body = response
            .text()
            .await
            .map_err(|e| wasm_bindgen::JsValue::from_str(&e.to_string()))?;
        Ok::<_, wasm_bindgen::JsValue>((response.status(), body))
    };
    let input = match answer.await {
        Ok((status, body)) => Input::Response { id, status, body },
        Err(_) if signal.aborted() => Input::NetworkError {
            id,
            error: format!("no answer within {} ms", request.timeout_ms),
        },
        // The browser does not say why a fetch failed: the network, or CORS.
        Err(e) => Input::NetworkError {
            id,
            error: format!(
                "{} (a network error, or the API refused this page's origin (CORS))",
                e.as_string()
                    .or_else(|| js_sys::JSON::stringify(&e).ok().map(String::from))
                    .unwrap_or_default()
            ),
        },
    };
    let failure = match &input {
        Input::Response { status, .. } if !succeeded(*status) => json!({ "status": status }),
        Input::NetworkError { error, .. } => json!({ "error": error }),
        _ => Value::Null,
    };
    if let Value::Object(mut detail) = failure {
        detail.insert("kind".into(), json!("call"));
        detail.insert("integration".into(), json!(request.integration));
        detail.insert("url".into(), json!(request.url));
        conv.emit("chatlet:error", Value::Object(detail));
    }
    input
}
