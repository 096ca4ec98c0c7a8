//! Chatlet's chat widget: the engine in a Yew chat window, mounted by the loader
//! (`www/loader.js`, served as `chatlet.js`).
//!
//! `chat` holds the window's state and reducer, `strings` the widget's own texts (both
//! plain Rust, tested natively); the rest exists only on wasm32: `embed`, the whole
//! JavaScript surface (`mount` and what the page's `window.chatlet` forwards);
//! `conversation`, which drives the engine and performs its effects; `components`, one
//! Yew component per file; `host`, events to the page and calls from it; `files`, reading
//! and uploading the visitor's files; `scripts`, the bot's JavaScript.

pub mod chat;
pub mod markup;
pub mod rich;
pub mod strings;

#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod conversation;
#[cfg(target_arch = "wasm32")]
pub mod embed;
#[cfg(target_arch = "wasm32")]
pub mod files;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub mod scripts;

pub use chatlet_engine as engine;
