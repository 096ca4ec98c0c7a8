//! Chatlet's chat widget: the engine in a Yew chat window, mounted by the loader
//! (`www/loader.js`, served as `chatlet.js`).
//!
//! `chat` holds the window's state and reducer, `strings` the widget's own texts (both
//! plain Rust, tested natively); the rest exists only on wasm32: `embed`, the whole
//! JavaScript surface (`mount` and what the page's `window.chatlet` forwards);
//! `conversation`, which drives the engine and performs its effects; `components`, one
//! Yew component per file; `host`, events to the page and calls from it; `files`, reading
//! and uploading the visitor's files; `scripts`, the bot's JavaScript; `runner`, where the
//! session runs (a `worker` when the bot has code, so bot code cannot freeze the page),
//! with `protocol`, the steps and messages between them (plain Rust, tested natively).

pub mod chat;
pub mod events;
pub mod json;
pub mod markup;
pub mod options;
pub mod protocol;
pub mod rich;
pub mod saved;
pub mod strings;

#[cfg(target_arch = "wasm32")]
pub mod bot_file;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod conversation;
#[cfg(target_arch = "wasm32")]
pub mod embed;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(all(target_arch = "wasm32", feature = "preview"))]
pub mod preview;
#[cfg(target_arch = "wasm32")]
pub mod runner;
#[cfg(target_arch = "wasm32")]
pub mod scripts;
#[cfg(target_arch = "wasm32")]
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod wire;
#[cfg(target_arch = "wasm32")]
pub mod worker;

pub use chatlet_engine as engine;

/// Gives the engine the browser's lower and upper case (`String.prototype.toLowerCase`
/// and `toUpperCase`, Unicode's mappings): the standard library's tables would cost the
/// wasm about 5 KB each.
#[cfg(target_arch = "wasm32")]
pub fn install_case() {
    fn lower(text: &str) -> String {
        js_sys::JsString::from(text).to_lower_case().into()
    }
    fn upper(text: &str) -> String {
        js_sys::JsString::from(text).to_upper_case().into()
    }
    chatlet_engine::set_lower(lower);
    chatlet_engine::set_upper(upper);
}

/// Talc instead of the default dlmalloc: about 3 KB less wasm, and faster.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
