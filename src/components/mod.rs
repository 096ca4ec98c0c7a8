//! The chat window's Yew components, one per file.

mod chat_window;
mod composer;
mod message_list;

pub use chat_window::{ChatWindow, ChatWindowProps};
