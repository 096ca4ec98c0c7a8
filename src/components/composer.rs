//! The text input and send button.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The composer's properties.
#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// Called with the text the visitor sends.
    pub on_send: Callback<String>,
    /// True while the bot is not ready.
    pub disabled: bool,
}

/// Text input with a send button; Enter sends too. Empty messages are not sent.
#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let input = use_node_ref();
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
    html! {
        <form class="chatlet-composer" {onsubmit}>
            <input ref={input} class="chatlet-input" type="text" autocomplete="off" maxlength="2000"
                placeholder="Type a message" aria-label="Message" disabled={props.disabled} />
            <button class="chatlet-send" type="submit" disabled={props.disabled}>{ "Send" }</button>
        </form>
    }
}
