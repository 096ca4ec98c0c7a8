//! The chat window: the header, the messages, the composer and the drop zone, drawn from
//! the [`Chat`] state that its [`Conversation`] updates.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement, Node};
use yew::platform::spawn_local;
use yew::prelude::*;

use super::composer::{composer, ComposerProps};
use super::header::{header, HeaderProps};
use super::message_list::{message_list, MessageListProps};
use crate::bot_file::Failure;
use crate::chat::{Action, Author, Chat, Status};
use crate::conversation::{self, Conversation, Shared};
use crate::embed::MountOptions;
use crate::events;
use crate::host;

/// The chat window's properties.
#[derive(Properties, Clone)]
pub struct ChatWindowProps {
    /// The conversation's id.
    pub id: AttrValue,
    /// What the window was mounted with.
    pub options: Rc<MountOptions>,
}

impl PartialEq for ChatWindowProps {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && Rc::ptr_eq(&self.options, &other.options)
    }
}

impl Reducible for Chat {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

/// The whole widget.
#[function_component(ChatWindow)]
pub fn chat_window(props: &ChatWindowProps) -> Html {
    let chat = use_reducer(Chat::default);
    let conv: Shared = (*use_memo((), |_| {
        let id = Rc::from(props.id.as_str());
        Rc::new_cyclic(|me| {
            Conversation::new(id, props.options.clone(), chat.dispatcher(), me.clone())
        })
    }))
    .clone();
    let attempt = use_state(|| 0u32);
    let picker = use_node_ref();
    let region = use_node_ref();
    let typing = chat.busy();
    let s = &conv.options.strings;

    {
        // Each attempt to load the bot (a retry makes another) registers the window for
        // the page's calls until the next attempt or the window's end.
        let conv = conv.clone();
        use_effect_with(*attempt, move |_| {
            let id = conv.id.clone();
            let handler = conv.clone();
            host::register(
                &id,
                Rc::new(move |call| conversation::on_host(&handler, call)),
            );
            spawn_local(load(conv));
            move || host::unregister(&id)
        });
    }
    use_after_render(&chat, &conv);
    {
        // "now" labels age: the time, twice a minute, while a recent message has one.
        let (conv, dispatch) = (conv.clone(), chat.dispatcher());
        use_effect_with((), move |_| {
            let tick = gloo_timers::callback::Interval::new(20_000, move || {
                let now = js_sys::Date::now() as u64;
                if now.saturating_sub(conv.stamped.get()) < 90_000 {
                    dispatch.dispatch(Action::Tick(now));
                }
            });
            move || std::mem::drop(tick)
        });
    }
    let unseen = super::follow::use_follow(&region, &chat.entries);

    let send = {
        let conv = conv.clone();
        Callback::from(move |(shown, payload): (String, String)| {
            conversation::send(&conv, shown, payload);
            conversation::focus(&conv);
        })
    };
    let on_file = {
        let conv = conv.clone();
        Callback::from(move |file: File| {
            let caption = take_caption(&conv.input);
            conversation::offer(&conv, file, caption);
            conversation::focus(&conv);
        })
    };

    let title = conv.options.title.clone().or_else(|| chat.title.clone());
    let title = title.unwrap_or_else(|| s.get("title").to_string());
    let on_close = conv.options.on_close.clone();
    let header = header(&HeaderProps {
        title: title.clone().into(),
        close: conv
            .options
            .closable
            .then(|| AttrValue::from(s.get("closeChat").to_string())),
        on_close: Callback::from(move |()| {
            if let Some(f) = &on_close {
                let _ = f.call0(&wasm_bindgen::JsValue::NULL);
            }
        }),
    });
    let body = match chat.status {
        Status::Failed => {
            let retry = {
                let attempt = attempt.clone();
                let conv = conv.clone();
                Callback::from(move |_: MouseEvent| {
                    // The button goes away: the text box takes the focus when it can.
                    conv.wants_focus.set(true);
                    conv.act(Action::Retry);
                    attempt.set(*attempt + 1);
                })
            };
            html! {
                <div class="chatlet-messages" part="messages">
                    <p class="chatlet-status" role="alert">{ s.get("unavailable") }</p>
                    <button type="button" class="chatlet-retry" onclick={retry}>{ s.get("retry") }</button>
                </div>
            }
        }
        // The log and its pill, in a box the pill is placed in; busy (for screen readers,
        // and what tests wait for) until the bot is loaded.
        _ => {
            html! { <div class="chatlet-body" aria-busy={(chat.status == Status::Loading).then_some("true")}>
                { message_list(&MessageListProps {
                entries: &chat.entries,
                typing,
                region,
                bot: title.into(),
                avatar: conv.avatar.borrow().clone(),
                now: chat.now,
                strings: conv.options.strings.clone(),
                on_choice: send.clone(),
                on_metadata: {
                    let conv = conv.clone();
                    Callback::from(move |metadata| {
                        conv.emit(&events::Click { metadata })
                    })
                },
            }) }
                { super::follow::pill(&unseen, s) }
            </div> }
        }
    };
    let offline = chat.offline.then(|| {
        html! { <p class="chatlet-offline" role="status">{ s.get("offline") }</p> }
    });
    html! {
        <div class="chatlet" ondragover={drag_over(&chat)} ondragleave={drag_leave(&chat)} ondrop={drop(&chat, &on_file)}>
            { header }
            { for offline }
            { body }
            { composer(&ComposerProps {
                disabled: chat.status == Status::Failed,
                on_send: send.reform(|t: String| (t.clone(), t)),
                input: conv.input.clone(),
                picker,
                accept: chat.accept.clone(),
                on_file,
                strings: conv.options.strings.clone(),
            }) }
            { super::drop_zone::view(&chat, s) }
        </div>
    }
}

/// What the window does after it is drawn (one effect for all: each effect costs the
/// wasm its own code): the text box takes the focus when asked to, and the page hears of
/// each new message and each transfer, once. (The log's scrolling is `follow`'s.)
#[hook]
fn use_after_render(chat: &UseReducerHandle<Chat>, conv: &Shared) {
    // What the last run saw: the next message id, the number of transfers.
    let last = use_mut_ref(|| None::<(usize, usize)>);
    let (chat, conv) = (chat.clone(), conv.clone());
    use_effect(move || {
        if conv.wants_focus.get() {
            conversation::focus(&conv);
        }
        let now = (chat.next_id, chat.transfers.len());
        // The first run looks for transfers (messages start at id 0).
        let before = last.borrow_mut().replace(now).unwrap_or((0, usize::MAX));
        if before.0 != now.0 {
            // What was redrawn from an earlier page load (or another tab) was announced
            // there.
            let from = before.0.max(chat.resumed.map_or(0, |r| r.before));
            for e in chat.entries.iter().filter(|e| e.id >= from) {
                if e.author != Author::System {
                    let text = e.body.plain(&conv.options.strings);
                    let author = e.author.name();
                    conv.emit(&events::Message { author, text });
                }
            }
        }
        if before.1 != now.1 {
            announce_transfer(&chat, &conv);
        }
    });
}

/// Tells the page about the latest transfer (again, marked resumed, when it was redrawn
/// from an earlier page load and is still under way).
fn announce_transfer(chat: &Chat, conv: &Conversation) {
    let Some(t) = chat.transfers.last() else {
        return;
    };
    let resumed = chat.resumed.filter(|r| chat.transfers.len() <= r.transfers);
    if resumed.is_some_and(|r| !r.transfer_active) {
        return; // a transfer of an earlier page load, over since
    }
    let transcript = chat
        .transcript(&conv.options.strings)
        .into_iter()
        .map(|(author, text)| events::Line { author, text })
        .collect();
    let detail = events::Transfer {
        skill: t.skill.clone(),
        agent: t.agent.clone(),
        message: t.message.clone(),
        context: t.context,
        transcript,
        resumed: resumed.is_some(),
    };
    conv.emit(&detail);
}

/// Fetches the bot file through the loader (compiling a plain one through the bot
/// reader) and starts the conversation; a bot that cannot be loaded shows visitors a
/// short message and gives the page the details.
async fn load(conv: Shared) {
    let url = &conv.options.bot_url;
    let options = &conv.options;
    let failure = match crate::bot_file::load(&options.load_bot, options.reader.as_ref()).await {
        Ok((bot, compiled)) => {
            warn_findings(&conv, bot.findings());
            return conversation::start(&conv, bot, compiled);
        }
        Err(failure) => failure,
    };
    let bot = |message: &str, findings| events::Error::Bot {
        bot: url.clone(),
        message: message.to_string(),
        findings,
    };
    let (message, detail) = match failure {
        Failure::Fetch(why) => {
            let message = format!("the bot file {url} could not be fetched ({why})");
            (message.clone(), bot(&message, vec![]))
        }
        Failure::Bot(e) => {
            let message = format!("the bot file {url} has errors:\n{e}");
            (
                message.clone(),
                bot(
                    &message,
                    e.findings.iter().map(events::Finding::of).collect(),
                ),
            )
        }
        // One of the widget's own files, as when the loader cannot fetch the widget.
        Failure::Reader(why) => {
            let message = format!("the bot file {url} could not be read: {why}");
            (message.clone(), events::Error::Widget { message })
        }
    };
    web_sys::console::error_1(&format!("chatlet: {message}").into());
    conv.emit(&detail);
    conv.act(Action::Failed);
}

/// A bot that loads but whose file changes what visitors see (a flow that stops where
/// the file points nowhere, an interaction passed over) says so once on the console and
/// in a `chatlet:error` event of kind `bot-warnings`.
fn warn_findings(conv: &Conversation, findings: &[chatlet_engine::Finding]) {
    if findings.is_empty() {
        return;
    }
    let url = &conv.options.bot_url;
    let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
    let message = format!(
        "the bot file {url} loaded, but parts of it will not run:\n{}",
        lines.join("\n")
    );
    web_sys::console::warn_1(&format!("chatlet: {message}").into());
    let detail = events::Error::BotWarnings {
        bot: url.clone(),
        message,
        findings: findings.iter().map(events::Finding::of).collect(),
    };
    conv.emit(&detail);
}

fn drag_over(chat: &UseReducerHandle<Chat>) -> Callback<DragEvent> {
    let dispatch = chat.dispatcher();
    let dragging = chat.dragging;
    Callback::from(move |e: DragEvent| {
        if carries_files(&e) {
            e.prevent_default();
            if !dragging {
                dispatch.dispatch(Action::Dragging(true));
            }
        }
    })
}

fn drag_leave(chat: &UseReducerHandle<Chat>) -> Callback<DragEvent> {
    let dispatch = chat.dispatcher();
    Callback::from(move |e: DragEvent| {
        let to = e.related_target().and_then(|t| t.dyn_into::<Node>().ok());
        let from = e.current_target().and_then(|t| t.dyn_into::<Node>().ok());
        let inside = match (from, to) {
            (Some(root), Some(to)) => root.contains(Some(&to)),
            _ => false,
        };
        if !inside {
            dispatch.dispatch(Action::Dragging(false));
        }
    })
}

fn drop(chat: &UseReducerHandle<Chat>, on_file: &Callback<File>) -> Callback<DragEvent> {
    let dispatch = chat.dispatcher();
    let on_file = on_file.clone();
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
