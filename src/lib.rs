//! Chatlet's chat widget: the engine in a Yew chat window.
//!
//! `chat` holds the widget's state and reducer (plain Rust, tested natively); the rest
//! exists only on wasm32: `components` (one Yew component per file) and `embed`, the
//! only module that exports anything to JavaScript.

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
