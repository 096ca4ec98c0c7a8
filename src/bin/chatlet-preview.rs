//! The previewer's wasm binary (`www/preview.html`): the widget with the `preview`
//! feature, so the page can list a bot's findings ([`chatlet_widget::preview::check`])
//! and see inside every turn. Visitors never load it.

#[cfg(target_arch = "wasm32")]
pub use chatlet_widget::embed::*;
#[cfg(target_arch = "wasm32")]
pub use chatlet_widget::preview::check;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the previewer runs in a browser: build it with tools/build.sh");
}
