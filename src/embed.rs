//! The widget's whole JavaScript surface. The loader (`www/loader.js`, served as
//! `chatlet.js`) is its caller: it draws the launcher and the window's frame, then calls
//! [`mount`] with the element the conversation goes in and the options it gathered (the
//! tag's attributes, the page's `chatlet.mount` options, the strings table). The page
//! itself talks to the loader's `window.chatlet`, which forwards here.

use std::rc::Rc;

use chatlet_engine::HostInfo;
use std::collections::BTreeMap;

use js_sys::{Function, Object, Reflect};
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::AppHandle;

use crate::chat::Person;
use crate::components::{ChatWindow, ChatWindowProps};
use crate::host::{self, HostCall};
use crate::options::PageOptions;
use crate::strings::Strings;

/// How a window is set up: what `mount` was given.
pub struct MountOptions {
    /// The element events are dispatched on (the widget's host element).
    pub host: Element,
    /// The bot file's URL (for messages).
    pub bot_url: String,
    /// Gets the bot file: a function returning a promise of its bytes (a `Uint8Array`; a
    /// string is taken as UTF-8). The loader fetches it ahead of a click; a retry calls
    /// it again.
    pub load_bot: Function,
    /// The bot reader, for a plain bot file: a function returning a promise of its
    /// module, whose `compile(bytes)` gives the compiled bot or the file's refusal (the
    /// loader imports it once for the page). `None`: only a compiled bot loads.
    pub reader: Option<Function>,
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
    /// The URL of the widget's JavaScript glue, which the page's worker imports to run
    /// bots' code off the page's thread; `None`: no worker.
    pub glue: Option<String>,
    /// Bot code may run on the page's thread when no worker can run it
    /// (`data-code-on-page`); else each of its blocks is a script error then.
    pub code_on_page: bool,
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

/// What the loader gives [`mount`]: the window's frame and the loader's own parts, and
/// the page's options (`page`) as the page wrote them (`chatlet.mount(element, options)`)
/// or as the tag's attributes say them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Given {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    host: JsValue,
    /// The bot file's absolute URL.
    bot: String,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    load_bot: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    reader: JsValue,
    /// The strings table of the page's language, the page's own over it.
    #[serde(default)]
    strings: BTreeMap<String, String>,
    #[serde(default)]
    closable: bool,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_close: JsValue,
    glue: Option<String>,
    /// Read apart, so that a wrong one names its key: [`PageOptions::read`].
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    page: JsValue,
}

impl PageOptions {
    /// Reads the page's options key by key: an unknown key is warned about; a key whose
    /// value is of the wrong type is reported (`bad`) and left out; the rest is read.
    fn read(page: &JsValue, bad: &mut Vec<(String, String)>) -> PageOptions {
        if !page.is_object() {
            return PageOptions::default();
        }
        // The keys the derive reads, as it names them.
        let known = serde_aux::serde_introspection::serde_introspect::<PageOptions>();
        let good = Object::new();
        for key in Object::keys(page.unchecked_ref::<Object>()).iter() {
            let name = key.as_string().unwrap_or_default();
            let value = Reflect::get(page, &key).unwrap_or_default();
            if value.is_undefined() {
                continue;
            }
            if !known.contains(&name.as_str()) {
                web_sys::console::warn_1(
                    &format!("chatlet.mount: unknown option {name:?} (ignored)").into(),
                );
                continue;
            }
            // Every key is optional, so a key alone reads when its value has the right type.
            let alone = Object::new();
            let _ = Reflect::set(&alone, &key, &value);
            match crate::wire::from_js::<PageOptions>(alone.into()) {
                Ok(_) => {
                    let _ = Reflect::set(&good, &key, &value);
                }
                Err(e) => bad.push((name, e.to_string())),
            }
        }
        crate::wire::from_js(good.into()).unwrap_or_default()
    }
}

impl MountOptions {
    /// Reads the options object the loader passes; a wrong page option is reported on
    /// the host element (`chatlet:error`, kind `options`) and left out.
    pub fn from_js(options: &JsValue) -> Result<MountOptions, JsValue> {
        let given: Given = crate::wire::from_js(options.clone())
            .map_err(|e| js_sys::TypeError::new(&format!("chatlet: mount: {e}")))?;
        let host = given
            .host
            .dyn_into::<Element>()
            .map_err(|_| js_sys::TypeError::new("chatlet: mount needs options.host"))?;
        let load_bot = given
            .load_bot
            .dyn_into::<Function>()
            .map_err(|_| js_sys::TypeError::new("chatlet: mount needs options.loadBot"))?;
        let mut bad = Vec::new();
        let page = PageOptions::read(&given.page, &mut bad);
        for (key, message) in bad {
            let message = format!("chatlet.mount: option {key:?} is left out: {message}");
            web_sys::console::error_1(&message.clone().into());
            let detail = crate::events::Error::Options { key, message };
            host::emit(&host, "", &detail);
        }
        // The table's texts for the page's language, the loader's (and the page's) over them.
        let lang = given.strings.get("lang").map_or("en", String::as_str);
        let mut strings = crate::strings::table(lang);
        strings.extend(given.strings.clone());
        let on_close = given.on_close.dyn_into::<Function>().ok();
        Ok(MountOptions {
            host,
            bot_url: given.bot,
            load_bot,
            reader: given.reader.dyn_into::<Function>().ok(),
            title: page.title.filter(|t| !t.is_empty()),
            strings: Rc::new(Strings::new(strings)),
            closable: given.closable,
            on_close,
            variables: page
                .variables
                .map(|m| m.into_iter().collect())
                .unwrap_or_default(),
            host_info: HostInfo {
                customer_info: page.customer_info,
                personal_info: page.personal_info,
                engagement_attributes: page.engagement_attributes,
            },
            glue: given.glue.filter(|g| !g.is_empty()),
            code_on_page: page.code_on_page.unwrap_or(false),
            persist: crate::store::Persist::parse(page.persist.as_deref()),
            key: String::new(),
            idle_minutes: page.idle_minutes.filter(|m| *m > 0.0),
            // 60 s unless the page says (0: for ever).
            transfer_timeout: Some(page.transfer_timeout.map_or(60, |s| {
                if s.is_finite() && s > 0.0 {
                    s.min(f64::from(u32::MAX)) as u32
                } else {
                    0
                }
            })),
            avatar: page.avatar.filter(|a| !a.is_empty()),
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

/// A fresh conversation id: a random UUID (`crypto.randomUUID()`, from the browser's
/// cryptographic generator; it reaches the bot's integrations).
fn new_id() -> String {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).unwrap_or_default();
    let uuid = Reflect::get(&crypto, &"randomUUID".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call0(&crypto).ok())
        .and_then(|id| id.as_string());
    // Not a secure context (an `http:` page other than localhost): no randomUUID, but
    // getRandomValues is there.
    uuid.unwrap_or_else(|| {
        let bytes = js_sys::Uint8Array::new_with_length(16);
        let _ = Reflect::get(&crypto, &"getRandomValues".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .map(|f| f.call1(&crypto, &bytes));
        let b = bytes.to_vec();
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-4{}-{:x}{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            8 | (b[8] & 3),
            &hex[17..20],
            &hex[20..32]
        )
    })
}
