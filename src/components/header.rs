//! The window's header: the bot's name and, in a bubble, the close button.

use yew::prelude::*;

/// The header's properties.
pub struct HeaderProps {
    /// The title (the bot's name, or the page's `data-title`).
    pub title: AttrValue,
    /// The close button's accessible name, when the window can be closed.
    pub close: Option<AttrValue>,
    /// Called when the close button is pressed.
    pub on_close: Callback<()>,
}

/// The header; its title names the window (`aria-labelledby` on the window's frame). A
/// `div`, not a `header`: inside the page's own layout a second `banner` landmark would
/// compete with the page's.
pub fn header(props: &HeaderProps) -> Html {
    let close = props.close.as_ref().map(|label| {
        let onclick = props.on_close.reform(|_: MouseEvent| ());
        html! {
            <button type="button" class="chatlet-close" aria-label={label.clone()} title={label.clone()} {onclick}>
                <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M6 6l12 12M18 6L6 18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
            </button>
        }
    });
    html! {
        <div class="chatlet-header" part="header">
            <h2 class="chatlet-title" id="chatlet-title">{ props.title.clone() }</h2>
            { for close }
        </div>
    }
}
