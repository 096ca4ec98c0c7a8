//! The widget's whole JavaScript surface. The loader (`www/loader.js`, served as
//! `chatlet.js`) is its caller: it draws the launcher and the window's frame, then calls
//! [`mount`] with the element the conversation goes in and the options it gathered (the
//! tag's attributes, the page's `chatlet.mount` options, the strings table). The page
//! itself talks to the loader's `window.chatlet`, which forwards here.

use std::rc::Rc;

use chatlet_engine::HostInfo;
use js_sys::{Function, Object, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::AppHandle;

use crate::chat::Person;
use crate::components::{ChatWindow, ChatWindowProps};
use crate::host::{self, HostCall};
use crate::strings::Strings;

/// How a window is set up: what `mount` was given.
pub struct MountOptions {
    /// The element events are dispatched on (the widget's host element).
    pub host: Element,
    /// The bot file's URL (for messages).
    pub bot_url: String,
    /// Gets the bot file's text: a function returning a promise of a string (the loader
    /// fetches it ahead of a click; a retry calls it again).
    pub load_bot: Function,
    /// The header's title; the bot's name when absent.
    pub title: Option<String>,
    /// The widget's texts in the page's language.
    pub strings: Rc<Strings>,
    /// A bubble's window has a close button, which calls `on_close`.
    pub closable: bool,
    /// Closes the window (the loader owns opening and closing).
    pub on_close: Option<Function>,
    /// Session variables the page set before the first turn.
    pub variables: Vec<(String, Value)>,
    /// What the page knows about the visitor (CB's customer and personal info).
    pub host_info: HostInfo,
    /// The URL of the widget's JavaScript glue, which a worker imports to run a bot's
    /// code off the page's thread; `None`: the code runs on the page's thread.
    pub glue: Option<String>,
    /// Where the conversation is kept between page loads (`data-persist`).
    pub persist: crate::store::Persist,
    /// The storage key of this window's conversation (set by [`mount_with`]: a second
    /// window of the same bot on a page gets its own).
    pub key: String,
    /// Minutes a kept conversation may stay idle (`data-idle-minutes`); `None`: the bot's
    /// `sessionLength`, else 30.
    pub idle_minutes: Option<f64>,
    /// Seconds a transfer may wait for the page's answer before it counts as failed;
    /// `None` or 0: for ever.
    pub transfer_timeout: Option<u32>,
    /// The bot's picture (`data-avatar`), over the bot's own `avatar` setting.
    pub avatar: Option<String>,
}

impl MountOptions {
    /// Reads the options object the loader passes.
    pub fn from_js(options: &JsValue) -> Result<MountOptions, JsValue> {
        let get = |key: &str| Reflect::get(options, &key.into()).unwrap_or(JsValue::UNDEFINED);
        let text = |key: &str| get(key).as_string().filter(|s| !s.is_empty());
        let json = |key: &str| {
            let value = get(key);
            if value.is_undefined() || value.is_null() {
                return None;
            }
            let text = js_sys::JSON::stringify(&value).ok()?.as_string()?;
            serde_json::from_str(&text).ok()
        };
        let host = get("host")
            .dyn_into::<Element>()
            .map_err(|_| js_sys::TypeError::new("chatlet: mount needs options.host"))?;
        let load_bot = get("loadBot")
            .dyn_into::<Function>()
            .map_err(|_| js_sys::TypeError::new("chatlet: mount needs options.loadBot"))?;
        // The table's texts for the page's language, the loader's (and the page's) over them.
        let given: Vec<(String, String)> =
            Object::entries(&get("strings").dyn_into().unwrap_or_default())
                .iter()
                .filter_map(|pair| {
                    let pair: js_sys::Array = pair.dyn_into().ok()?;
                    Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
                })
                .collect();
        let lang = given
            .iter()
            .find(|(k, _)| k == "lang")
            .map_or("en", |(_, l)| l);
        let mut strings = crate::strings::table(lang);
        strings.extend(given.iter().cloned());
        let variables = match json("variables") {
            Some(Value::Object(map)) => map.into_iter().collect(),
            _ => vec![],
        };
        Ok(MountOptions {
            host,
            bot_url: text("bot").unwrap_or_default(),
            load_bot,
            title: text("title"),
            strings: Rc::new(Strings::new(strings)),
            closable: get("closable").is_truthy(),
            on_close: get("onClose").dyn_into().ok(),
            variables,
            host_info: HostInfo {
                customer_info: json("customerInfo"),
                personal_info: json("personalInfo"),
                engagement_attributes: json("engagementAttributes"),
            },
            glue: text("glue"),
            persist: crate::store::Persist::parse(text("persist").as_deref()),
            key: String::new(),
            idle_minutes: get("idleMinutes").as_f64().filter(|m| *m > 0.0),
            transfer_timeout: get("transferTimeout").as_f64().map(|s| s.max(0.0) as u32),
            avatar: text("avatar"),
        })
    }
}

/// Mounts a chat window in `root`: the conversation with the bot `options` names.
#[wasm_bindgen]
pub fn mount(root: Element, options: JsValue) -> Result<Widget, JsValue> {
    let options = MountOptions::from_js(&options)?;
    Ok(mount_with(root, options))
}

/// [`mount`] with options already read (the browser tests build them in Rust).
pub fn mount_with(root: Element, mut options: MountOptions) -> Widget {
    crate::install_case();
    // A conversation kept from an earlier page load goes on with its id.
    options.key = crate::store::claim(&options.bot_url);
    let kept = options
        .persist
        .area()
        .and_then(|a| crate::store::read(&a, &options.key));
    let id = kept
        .and_then(|t| crate::saved::Saved::id_of(&t))
        .map(|(id, _)| id)
        .filter(|id| !id.is_empty() && !host::known(id))
        .unwrap_or_else(new_id);
    host::expect(&id);
    let props = ChatWindowProps {
        id: id.clone().into(),
        options: Rc::new(options),
    };
    let app = yew::Renderer::<ChatWindow>::with_root_and_props(root, props).render();
    Widget { id, app: Some(app) }
}

/// One mounted window, as the loader holds it.
#[wasm_bindgen]
pub struct Widget {
    id: String,
    app: Option<AppHandle<ChatWindow>>,
}

#[wasm_bindgen]
impl Widget {
    /// The conversation's id (in every event's detail).
    #[wasm_bindgen(getter, js_name = conversationId)]
    pub fn conversation_id(&self) -> String {
        self.id.clone()
    }

    /// Sends `text` as if the visitor typed it.
    pub fn send(&self, text: String) -> Result<(), JsValue> {
        host::call(&self.id, HostCall::Send(text))
    }

    /// Sets a session variable the bot reads as `{$botContext.NAME}`.
    #[wasm_bindgen(js_name = setVariable)]
    pub fn set_variable(&self, name: String, value: JsValue) -> Result<(), JsValue> {
        let text = js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|s| s.as_string());
        let value = text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        host::call(&self.id, HostCall::SetVariable(name, value))
    }

    /// Starts the conversation over.
    pub fn reset(&self) -> Result<(), JsValue> {
        host::call(&self.id, HostCall::Reset)
    }

    /// Puts the text box in focus (now, or as soon as it is drawn).
    pub fn focus(&self) -> Result<(), JsValue> {
        host::call(&self.id, HostCall::Focus)
    }

    /// Removes the window and forgets its conversation.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        host::unregister(&self.id);
    }
}

/// Who the person is, from a call's optional third argument `{ name, avatar }`.
fn person(who: &JsValue) -> Option<Person> {
    if !who.is_object() {
        return None;
    }
    let text = |key: &str| {
        Reflect::get(who, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|t| !t.trim().is_empty())
    };
    let person = Person {
        name: text("name"),
        avatar: text("avatar"),
    };
    (person != Person::default()).then_some(person)
}

/// The page's answer to a `chatlet:transfer` event: `"accepted"` or `"failed"`; with
/// `"accepted"`, who took it (`{ name, avatar }`, optional).
#[wasm_bindgen(js_name = reportTransfer)]
pub fn report_transfer(
    conversation_id: String,
    outcome: String,
    who: JsValue,
) -> Result<(), JsValue> {
    let accepted = match outcome.as_str() {
        "accepted" => true,
        "failed" => false,
        other => {
            return Err(js_sys::TypeError::new(&format!(
                "chatlet.reportTransfer: outcome {other:?} is neither \"accepted\" nor \"failed\""
            ))
            .into())
        }
    };
    let who = person(&who).filter(|_| accepted);
    host::call(&conversation_id, HostCall::TransferOutcome(accepted, who))
}

/// A message from the person who took the conversation over; who they are
/// (`{ name, avatar }`, optional: else as last named).
#[wasm_bindgen(js_name = agentMessage)]
pub fn agent_message(conversation_id: String, text: String, who: JsValue) -> Result<(), JsValue> {
    host::call(&conversation_id, HostCall::AgentMessage(text, person(&who)))
}

/// The person hands the conversation back to the bot.
#[wasm_bindgen(js_name = endTransfer)]
pub fn end_transfer(conversation_id: String) -> Result<(), JsValue> {
    host::call(&conversation_id, HostCall::EndTransfer)
}

/// A fresh conversation id.
fn new_id() -> String {
    format!("{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64)
}
