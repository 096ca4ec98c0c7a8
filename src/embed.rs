//! The embedding surface: how a page gets a chat window. (What the page and a window say
//! to each other afterwards is in [`crate::host`].)
//!
//! A page marks an element with `data-chatlet-bot="URL"`; the widget mounts a chat
//! window inside it running that bot.

use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::components::{ChatWindow, ChatWindowProps};

/// Mounts a chat window running the bot at `bot_url` inside `element`.
pub fn mount(element: Element, bot_url: &str) {
    let props = ChatWindowProps {
        bot_url: bot_url.to_string().into(),
    };
    yew::Renderer::<ChatWindow>::with_root_and_props(element, props).render();
}

/// Mounts a chat window on every element with a `data-chatlet-bot` attribute.
pub fn mount_all() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(nodes) = document.query_selector_all("[data-chatlet-bot]") else {
        return;
    };
    for i in 0..nodes.length() {
        if let Some(element) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            let url = element
                .get_attribute("data-chatlet-bot")
                .unwrap_or_default();
            mount(element, &url);
        }
    }
}
