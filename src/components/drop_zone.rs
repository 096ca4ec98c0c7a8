//! What shows while a file is dragged over the window: where to drop it, or that the bot
//! is not asking for one.

use yew::prelude::*;

use crate::chat::{Chat, Status};
use crate::strings::Strings;

/// The drop zone for `chat`'s state (nothing unless a file is dragged over a ready window).
pub fn view(chat: &Chat, s: &Strings) -> Html {
    if !chat.dragging || chat.status != Status::Ready {
        return html! {};
    }
    match &chat.accept {
        Some(accept) => html! {
            <div class="chatlet-dropzone" aria-hidden="true">
                <p class="chatlet-dropzone-title">{ s.get("dropTitle") }</p>
                <p>{ s.fill("dropTypes", "types", &types(accept)) }</p>
            </div>
        },
        None => html! {
            <div class="chatlet-dropzone chatlet-dropzone-off" aria-hidden="true">
                <p class="chatlet-dropzone-title">{ s.get("dropOff") }</p>
            </div>
        },
    }
}

/// `PDF, PNG, JPEG`: accepted extensions as the visitor reads them.
pub fn types(accept: &[String]) -> String {
    accept.join(", ").to_ascii_uppercase()
}
