//! Chatlet's chat widget: the engine in a Yew chat window.
//!
//! `chat` holds the widget's state and reducer (plain Rust, tested natively); the rest
//! exists only on wasm32: `components` (one Yew component per file), `embed`,
//! which mounts windows on the page; `host` is the page's API (events out, `window.chatlet`
//! in) and `files` reads and uploads the visitor's files.

pub mod chat;
pub mod markup;
pub mod rich;

#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod embed;
#[cfg(target_arch = "wasm32")]
pub mod files;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub mod scripts;

pub use chatlet_engine as engine;
