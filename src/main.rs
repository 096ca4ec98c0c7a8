//! The widget's wasm binary. It starts nothing by itself: the loader (`chatlet.js`) calls
//! [`chatlet_widget::embed::mount`] for each window.

#[cfg(target_arch = "wasm32")]
pub use chatlet_widget::embed::*;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the widget runs in a browser: build it with tools/build.sh");
}
