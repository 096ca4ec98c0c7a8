//! The chat window: loads the bot, owns the engine session, performs its outputs
//! (messages, fetches, uploads, delays, host-page events).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chatlet_engine::model::succeeded;
use chatlet_engine::session::ESCALATION_FAILED;
use chatlet_engine::{FileIn, Input, Output, Session, SessionOptions};
use serde_json::json;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, Element, File, HtmlInputElement, Node};
use yew::platform::{spawn_local, time::sleep};
use yew::prelude::*;

use super::composer::Composer;
use super::message_list::MessageList;
use crate::chat::{Action, Chat, FileState, Status};
use crate::files;
use crate::host::{self, HostCall};
use crate::scripts::BrowserScripts;

/// The chat window's properties.
#[derive(Properties, PartialEq, Clone)]
pub struct ChatWindowProps {
    /// URL of the bot file (native format or a CB export).
    pub bot_url: AttrValue,
}

impl Reducible for Chat {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

type SharedSession = Rc<RefCell<Option<Session>>>;

/// Files the visitor offered that are still needed (until their upload ends), by handle.
#[derive(Default)]
struct Files {
    next: u64,
    held: HashMap<u64, File>,
}

/// One window's conversation: what its async work (fetches, uploads, timers, the host
/// page's calls) needs to feed the engine and update the window.
#[derive(Clone)]
struct Conversation {
    id: Rc<str>,
    session: SharedSession,
    files: Rc<RefCell<Files>>,
    dispatch: UseReducerDispatcher<Chat>,
    /// Where host-page events are dispatched from (they bubble to the page).
    root: NodeRef,
    /// A transfer was handed to the page and its outcome is not in yet.
    awaiting_transfer: Rc<Cell<bool>>,
}

/// The whole widget.
#[function_component(ChatWindow)]
pub fn chat_window(props: &ChatWindowProps) -> Html {
    let chat = use_reducer(Chat::default);
    let id = use_memo((), |_| new_id());
    let conv = Conversation {
        id: Rc::from(id.as_str()),
        session: use_mut_ref(|| None),
        files: use_mut_ref(Files::default),
        dispatch: chat.dispatcher(),
        root: use_node_ref(),
        awaiting_transfer: use_memo((), |_| Cell::new(false)),
    };
    let input = use_node_ref();

    {
        let conv = conv.clone();
        use_effect_with(props.bot_url.clone(), move |url| {
            let url = url.to_string();
            spawn_local(async move {
                match fetch_bot(&url).await {
                    Ok(bot) => {
                        let title = bot.name.clone();
                        let scripts = BrowserScripts::for_bot(&bot);
                        if scripts.precompiled() {
                            web_sys::console::info_1(
                                &"chatlet: running the bot's precompiled scripts".into(),
                            );
                        }
                        *conv.session.borrow_mut() = Some(Session::with_scripts(
                            Arc::new(bot),
                            session_options(&conv.id),
                            Box::new(scripts),
                        ));
                        conv.dispatch.dispatch(Action::Loaded(title));
                    }
                    Err(why) => conv.dispatch.dispatch(Action::Failed(why)),
                }
            });
        });
    }

    // The host page's calls for this conversation.
    {
        let conv = conv.clone();
        use_effect_with((), move |_| {
            let id = conv.id.clone();
            host::register(&id, Rc::new(move |call| on_host(&conv, call)));
            move || host::unregister(&id)
        });
    }

    // Each transfer is handed to the host page as a `chatlet:transfer` event.
    {
        let chat = chat.clone();
        let conv = conv.clone();
        use_effect_with(chat.transfers.len(), move |_| {
            if let (Some(el), Some(t)) = (conv.root.cast::<Element>(), chat.transfers.last()) {
                let transcript: Vec<_> = chat
                    .transcript()
                    .into_iter()
                    .map(|(author, text)| json!({"author": author, "text": text}))
                    .collect();
                let detail = json!({
                    "conversationId": &*conv.id, "skill": t.skill, "agent": t.agent,
                    "message": t.message, "context": t.context, "transcript": transcript,
                });
                conv.awaiting_transfer.set(true);
                host::emit(&el, "chatlet:transfer", &detail);
            }
        });
    }

    // (what the visitor's bubble shows, what the engine receives)
    let send = {
        let conv = conv.clone();
        let with_agent = chat.with_agent;
        Callback::from(move |(shown, payload): (String, String)| {
            conv.dispatch.dispatch(Action::Visitor(shown));
            if with_agent {
                if let Some(el) = conv.root.cast::<Element>() {
                    let detail = json!({"conversationId": &*conv.id, "text": payload});
                    host::emit(&el, "chatlet:visitor-message", &detail);
                }
            } else {
                feed(&conv, Input::Text(payload));
            }
        })
    };
    let on_file = {
        let conv = conv.clone();
        let input = input.clone();
        Callback::from(move |file: File| offer(&conv, file, take_caption(&input)))
    };
    let ondragover = {
        let dispatch = conv.dispatch.clone();
        let dragging = chat.dragging;
        Callback::from(move |e: DragEvent| {
            if carries_files(&e) {
                e.prevent_default();
                if !dragging {
                    dispatch.dispatch(Action::Dragging(true));
                }
            }
        })
    };
    let ondragleave = {
        let dispatch = conv.dispatch.clone();
        let root = conv.root.clone();
        Callback::from(move |e: DragEvent| {
            let to = e.related_target().and_then(|t| t.dyn_into::<Node>().ok());
            let inside = match (root.cast::<Node>(), to) {
                (Some(root), Some(to)) => root.contains(Some(&to)),
                _ => false,
            };
            if !inside {
                dispatch.dispatch(Action::Dragging(false));
            }
        })
    };
    let ondrop = {
        let on_file = on_file.clone();
        let dispatch = conv.dispatch.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dispatch.dispatch(Action::Dragging(false));
            let file = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                on_file.emit(file);
            }
        })
    };

    let ready = chat.status == Status::Ready;
    let body = match &chat.status {
        Status::Loading => html! { <p class="chatlet-status" role="status">{ "Loading…" }</p> },
        Status::Failed(why) => html! {
            <p class="chatlet-status chatlet-error" role="alert">{ format!("This chat could not start. {why}") }</p>
        },
        Status::Ready => html! {
            <MessageList entries={chat.entries.clone()} typing={chat.typing} on_choice={send.clone()} />
        },
    };
    let drop_zone = match (&chat.accept, chat.dragging && ready) {
        (_, false) => html! {},
        (Some(accept), true) => html! {
            <div class="chatlet-dropzone" aria-hidden="true">
                <p class="chatlet-dropzone-title">{ "Drop your file to send it" }</p>
                <p>{ format!("{} · up to 5 MB", accept.join(", ").to_ascii_uppercase()) }</p>
            </div>
        },
        (None, true) => html! {
            <div class="chatlet-dropzone chatlet-dropzone-off" aria-hidden="true">
                <p class="chatlet-dropzone-title">{ "The bot is not asking for a file right now" }</p>
            </div>
        },
    };
    html! {
        <section ref={conv.root.clone()} class="chatlet" aria-label={chat.title.clone()}
            {ondragover} {ondragleave} {ondrop}>
            <header class="chatlet-header"><h2>{ chat.title.clone() }</h2></header>
            { body }
            <Composer disabled={!ready} on_send={send.reform(|t: String| (t.clone(), t))}
                input={input} accept={chat.accept.clone()} {on_file} />
            { drop_zone }
        </section>
    }
}

/// Does this drag carry files (not text or a link)?
fn carries_files(e: &DragEvent) -> bool {
    e.data_transfer().is_some_and(|d| {
        d.types()
            .iter()
            .any(|t| t.as_string().as_deref() == Some("Files"))
    })
}

/// What the visitor typed with a file (`getFileCaption()`); the field is cleared.
fn take_caption(input: &NodeRef) -> String {
    let Some(field) = input.cast::<HtmlInputElement>() else {
        return String::new();
    };
    let caption = field.value().trim().to_string();
    field.set_value("");
    caption
}

/// The visitor offers a file: the engine judges it from its name, size and first bytes;
/// a refused file is marked and nothing is sent.
fn offer(conv: &Conversation, file: File, caption: String) {
    let expected = conv
        .session
        .borrow()
        .as_ref()
        .and_then(Session::expected_file);
    if expected.is_none() {
        conv.dispatch.dispatch(Action::System(
            "The bot is not asking for a file right now; nothing was sent.".into(),
        ));
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
    conv.dispatch.dispatch(Action::FileOffered {
        handle,
        name: name.clone(),
        size,
    });
    let conv = conv.clone();
    spawn_local(async move {
        let head = files::head(&file).await;
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

/// The host page answered a transfer, or the person who took over spoke. A call that
/// does not fit (an outcome with no transfer waiting for one) is an error for the page.
fn on_host(conv: &Conversation, call: HostCall) -> Result<(), String> {
    if let HostCall::TransferOutcome(_) = call {
        if !conv.awaiting_transfer.replace(false) {
            return Err("chatlet.reportTransfer: no transfer is waiting for an outcome".into());
        }
    }
    match call {
        HostCall::TransferOutcome(true) => conv.dispatch.dispatch(Action::WithAgent(true)),
        HostCall::TransferOutcome(false) => {
            conv.dispatch
                .dispatch(Action::System("The transfer did not go through.".into()));
            feed(conv, Input::Text(ESCALATION_FAILED.into()));
        }
        HostCall::AgentMessage(text) => conv.dispatch.dispatch(Action::Agent(text)),
        HostCall::EndTransfer => conv.dispatch.dispatch(Action::WithAgent(false)),
    }
    Ok(())
}

/// Gives the session an input and performs what comes out. While an integration call is
/// in flight the window shows the bot typing.
fn feed(conv: &Conversation, input: Input) {
    let (outputs, waiting, accept) = match conv.session.borrow_mut().as_mut() {
        Some(s) => {
            let outputs = s.handle(input);
            let accept = s
                .expected_file()
                .map(|(exts, _)| exts.into_iter().map(str::to_string).collect());
            (outputs, s.is_waiting(), accept)
        }
        None => return,
    };
    deliver(conv, outputs);
    conv.dispatch.dispatch(Action::Typing(waiting));
    conv.dispatch.dispatch(Action::Expect(accept));
}

/// Shows the engine's outputs in order, each after its delay, and performs its requests
/// and uploads.
fn deliver(conv: &Conversation, outputs: Vec<Output>) {
    let dispatch = &conv.dispatch;
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
                let conv = conv.clone();
                spawn_local(async move {
                    let input = perform(request).await;
                    feed(&conv, input);
                });
                continue;
            }
            Output::Upload(upload) => {
                upload_file(conv, upload);
                continue;
            }
            Output::FileRefused { file } => {
                conv.files.borrow_mut().held.remove(&file);
                dispatch.dispatch(Action::File(file, FileState::Refused));
                continue;
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
            dispatch.dispatch(Action::Bot(output));
        } else {
            let dispatch = dispatch.clone();
            spawn_local(async move {
                sleep(Duration::from_millis(wait)).await;
                dispatch.dispatch(Action::Bot(output));
            });
        }
    }
}

/// Streams an accepted file to its File integration, showing its progress; the answer
/// goes back to the engine, which routes `file_upload_success:` or `…failed:`.
fn upload_file(conv: &Conversation, upload: chatlet_engine::Upload) {
    let handle = upload.file;
    let Some(file) = conv.files.borrow().held.get(&handle).cloned() else {
        feed(
            conv,
            Input::NetworkError {
                id: upload.id,
                error: "the file is no longer available".into(),
            },
        );
        return;
    };
    conv.dispatch
        .dispatch(Action::File(handle, FileState::Sending(0)));
    let progress = {
        let dispatch = conv.dispatch.clone();
        move |sent| dispatch.dispatch(Action::File(handle, FileState::Sending(sent)))
    };
    let done = {
        let conv = conv.clone();
        move |input: Input| {
            let ok = matches!(input, Input::Response { status, .. } if succeeded(status));
            let state = if ok {
                FileState::Sent
            } else {
                FileState::Failed
            };
            conv.files.borrow_mut().held.remove(&handle);
            conv.dispatch.dispatch(Action::File(handle, state));
            feed(&conv, input);
        }
    };
    files::send(&upload, &file, progress, done);
}

async fn fetch_bot(url: &str) -> Result<chatlet_engine::Bot, String> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| format!("The bot file {url} could not be fetched ({e})."))?;
    if !response.ok() {
        return Err(format!(
            "The bot file {url} answered HTTP {}.",
            response.status()
        ));
    }
    let text = response
        .text()
        .await
        .map_err(|e| format!("The bot file {url} could not be read ({e})."))?;
    chatlet_engine::load(&text).map_err(|e| format!("The bot file {url} has errors:\n{e}"))
}

/// A fresh conversation id.
fn new_id() -> String {
    format!("{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64)
}

fn session_options(id: &str) -> SessionOptions {
    SessionOptions {
        conversation_id: id.to_string(),
        user_id: format!("visitor-{id}"),
        ..Default::default()
    }
}

/// Performs an integration call with the browser's fetch. It is aborted after the
/// request's timeout; a timeout, a network error and a CORS refusal all come back as
/// [`Input::NetworkError`], which the bot's failure rules handle.
async fn perform(request: chatlet_engine::Request) -> Input {
    use gloo_net::http::{Method, RequestBuilder};
    let id = request.id;
    let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET);
    let signal = web_sys::AbortSignal::timeout_with_u32(request.timeout_ms);
    let mut builder = RequestBuilder::new(&request.url)
        .method(method)
        .abort_signal(Some(&signal));
    for (key, value) in &request.headers {
        builder = builder.header(key, value);
    }
    let answer = async {
        let request = match request.body {
            Some(body) => builder.body(body)?,
            None => builder.build()?,
        };
        let response = request.send().await?;
        // The body is read under the same deadline.
        let body = response.text().await?;
        Ok::<_, gloo_net::Error>((response.status(), body))
    };
    match answer.await {
        Ok((status, body)) => Input::Response { id, status, body },
        Err(_) if signal.aborted() => Input::NetworkError {
            id,
            error: format!("no answer within {} ms", request.timeout_ms),
        },
        // The browser does not say why a fetch failed: the network, or CORS.
        Err(e) => Input::NetworkError {
            id,
            error: format!("{e} (a network error, or the API refused this page's origin (CORS))"),
        },
    }
}
