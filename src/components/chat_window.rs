//! The chat window: the header, the messages, the composer and the drop zone, drawn from
//! the [`Chat`] state that its [`Conversation`] updates.

use std::rc::Rc;

use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DragEvent, File, HtmlInputElement, Node};
use yew::platform::spawn_local;
use yew::prelude::*;

use super::composer::Composer;
use super::header::Header;
use super::message_list::MessageList;
use crate::chat::{Action, Author, Chat, Status};
use crate::conversation::{self, Conversation, Shared};
use crate::embed::MountOptions;
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
        Rc::new(Conversation::new(
            id,
            props.options.clone(),
            chat.dispatcher(),
        ))
    }))
    .clone();
    let attempt = use_state(|| 0u32);
    let s = &conv.options.strings;

    {
        let conv = conv.clone();
        use_effect_with(*attempt, move |_| spawn_local(load(conv)));
    }
    {
        let conv = conv.clone();
        use_effect_with((), move |_| {
            let id = conv.id.clone();
            let handler = conv.clone();
            host::register(
                &id,
                Rc::new(move |call| conversation::on_host(&handler, call)),
            );
            move || host::unregister(&id)
        });
    }
    use_announcements(&chat, &conv);
    {
        let conv = conv.clone();
        use_effect(move || {
            if conv.wants_focus.get() {
                conversation::focus(&conv);
            }
        });
    }

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
    let header = html! {
        <Header title={title.clone()} close={conv.options.closable.then(|| AttrValue::from(s.get("closeChat").to_string()))}
            on_close={Callback::from(move |()| {
                if let Some(f) = &on_close {
                    let _ = f.call0(&wasm_bindgen::JsValue::NULL);
                }
            })} />
    };
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
        _ => html! {
            <MessageList entries={chat.entries.clone()} typing={chat.typing || chat.status == Status::Loading}
                bot={title} strings={conv.options.strings.clone()} on_choice={send.clone()} />
        },
    };
    html! {
        <div class="chatlet" ondragover={drag_over(&chat)} ondragleave={drag_leave(&chat)} ondrop={drop(&chat, &on_file)}>
            { header }
            { body }
            <Composer disabled={chat.status == Status::Failed} on_send={send.reform(|t: String| (t.clone(), t))}
                input={conv.input.clone()} accept={chat.accept.clone()} {on_file} strings={conv.options.strings.clone()} />
            { super::drop_zone::view(&chat, s) }
        </div>
    }
}

/// Tells the page about each new message and each transfer, once.
#[hook]
fn use_announcements(chat: &UseReducerHandle<Chat>, conv: &Shared) {
    // The id of the first message the page has not heard of.
    let announced = use_mut_ref(|| 0usize);
    {
        let chat = chat.clone();
        let conv = conv.clone();
        use_effect_with(chat.next_id, move |&next| {
            // What was redrawn from an earlier page load was announced then.
            let from = (*announced.borrow()).max(chat.resumed.map_or(0, |r| r.before));
            for e in chat.entries.iter().filter(|e| e.id >= from) {
                if e.author != Author::System {
                    let text = e.body.plain(&conv.options.strings);
                    conv.emit(
                        "chatlet:message",
                        json!({ "author": e.author.name(), "text": text }),
                    );
                }
            }
            *announced.borrow_mut() = next;
        });
    }
    let chat = chat.clone();
    let conv = conv.clone();
    use_effect_with(chat.transfers.len(), move |_| {
        if let Some(t) = chat.transfers.last() {
            let resumed = chat.resumed.filter(|r| chat.transfers.len() <= r.transfers);
            if resumed.is_some_and(|r| !r.transfer_active) {
                return; // a transfer of an earlier page load, over since
            }
            let transcript: Vec<_> = chat
                .transcript(&conv.options.strings)
                .into_iter()
                .map(|(author, text)| json!({"author": author, "text": text}))
                .collect();
            let detail = json!({
                "skill": t.skill, "agent": t.agent, "message": t.message,
                "context": t.context, "transcript": transcript,
                "resumed": resumed.is_some(),
            });
            conv.emit("chatlet:transfer", detail);
        }
    });
}

/// Fetches the bot file through the loader and starts the conversation; a bot that
/// cannot be loaded shows visitors a short message and gives the page the details.
async fn load(conv: Shared) {
    let url = &conv.options.bot_url;
    let text = match conv.options.load_bot.call0(&wasm_bindgen::JsValue::NULL) {
        Ok(promise) => JsFuture::from(js_sys::Promise::resolve(&promise))
            .await
            .map(|t| t.as_string().unwrap_or_default()),
        Err(e) => Err(e),
    };
    let failure = match text {
        Err(e) => json!({
            "message": format!("the bot file {url} could not be fetched ({})", String::from(js_sys::Error::from(e).to_string())),
        }),
        Ok(text) => match chatlet_engine::load(&text) {
            Ok(bot) => return conversation::start(&conv, bot, text),
            Err(e) => json!({
                "message": format!("the bot file {url} has errors:\n{e}"),
                // By hand: `Finding`'s derived `Serialize` would cost the wasm its own code.
                "findings": e.findings.iter().map(|f| json!({
                    "severity": f.severity.label(), "pointer": f.pointer,
                    "interaction": f.interaction, "message": f.message,
                })).collect::<Vec<_>>(),
            }),
        },
    };
    let message = format!(
        "chatlet: {}",
        failure["message"].as_str().unwrap_or_default()
    );
    web_sys::console::error_1(&message.into());
    let mut detail = failure;
    detail["kind"] = json!("bot");
    detail["bot"] = json!(url);
    conv.emit("chatlet:error", detail);
    conv.act(Action::Failed);
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
