//! The widget's entry point: mounts a chat window on every `[data-chatlet-bot]` element.

#[cfg(target_arch = "wasm32")]
fn main() {
    chatlet_widget::embed::mount_all();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the widget runs in a browser: build it with `trunk build`");
}
