//! The text input, the send button and, while the bot asks for a file, the attach button.

use std::rc::Rc;

use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use super::drop_zone::types;
use crate::strings::Strings;

/// The composer's properties.
pub struct ComposerProps {
    /// Called with the text the visitor sends.
    pub on_send: Callback<String>,
    /// True when the bot could not be loaded.
    pub disabled: bool,
    /// The text field (the window reads a file's caption from it).
    pub input: NodeRef,
    /// The hidden file input the attach button opens.
    pub picker: NodeRef,
    /// The extensions the bot asks for, while it asks for a file.
    pub accept: Option<Vec<String>>,
    /// Called with the file the visitor picks.
    pub on_file: Callback<File>,
    /// The widget's texts.
    pub strings: Rc<Strings>,
}

/// Text input with a send button; Enter sends too. Empty messages are not sent. While the
/// bot asks for a file, an attach button (a real button, so keyboards reach it) opens the
/// file picker, limited to the accepted types.
pub fn composer(props: &ComposerProps) -> Html {
    let s = &props.strings;
    let input = props.input.clone();
    let picker = props.picker.clone();
    let send = {
        let input = input.clone();
        let on_send = props.on_send.clone();
        Callback::from(move |()| {
            if let Some(field) = input.cast::<HtmlInputElement>() {
                let text = field.value();
                if !text.trim().is_empty() {
                    field.set_value("");
                    on_send.emit(text);
                }
            }
        })
    };
    let onsubmit = send.reform(|e: SubmitEvent| e.prevent_default());
    let attach = match &props.accept {
        Some(accept) => {
            let open = {
                let picker = picker.clone();
                Callback::from(move |_: MouseEvent| {
                    if let Some(p) = picker.cast::<HtmlInputElement>() {
                        p.click();
                    }
                })
            };
            let onchange = {
                let on_file = props.on_file.clone();
                Callback::from(move |e: Event| {
                    let Some(p) = e.target_dyn_into::<HtmlInputElement>() else {
                        return;
                    };
                    if let Some(file) = p.files().and_then(|f| f.get(0)) {
                        on_file.emit(file);
                    }
                    // Picking the same file again must fire `change` again.
                    p.set_value("");
                })
            };
            let label = s.fill("attach", "types", &types(accept));
            let accept: Vec<String> = accept.iter().map(|e| format!(".{e}")).collect();
            html! {
                <>
                    <button type="button" class="chatlet-attach" aria-label={label.clone()} title={label}
                        onclick={open} disabled={props.disabled}>
                        { paperclip() }
                    </button>
                    <input ref={picker} class="chatlet-picker" type="file" hidden=true tabindex="-1"
                        accept={accept.join(",")} {onchange} />
                </>
            }
        }
        None => html! {},
    };
    html! {
        <form class="chatlet-composer" part="composer" {onsubmit}>
            { attach }
            <input ref={input} class="chatlet-input" type="text" autocomplete="off" maxlength="2000"
                placeholder={s.get("placeholder").to_string()} aria-label={s.get("message").to_string()}
                disabled={props.disabled} />
            <button class="chatlet-send" type="submit" disabled={props.disabled}>{ s.get("send") }</button>
        </form>
    }
}

/// A paperclip icon (drawn, so it needs no emoji font).
pub fn paperclip() -> Html {
    html! {
        <svg class="chatlet-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <path d="M8 12.5l6.4-6.4a3 3 0 0 1 4.2 4.2l-7.8 7.8a5 5 0 0 1-7.1-7.1L11 3.7"
                fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
    }
}
