//! The chat window's Yew components and view functions, one per file.

mod chat_window;
mod composer;
mod drop_zone;
mod file_entry;
mod follow;
mod header;
mod message_list;
mod rich;

pub use chat_window::{ChatWindow, ChatWindowProps};
