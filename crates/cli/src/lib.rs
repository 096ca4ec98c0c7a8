//! The `chatlet` command line's library: the transcript format (`transcript`), how engine
//! outputs read as transcript lines (`lines`) and replaying transcripts (`replay`).
//! `main.rs` only parses arguments and calls these.

pub mod lines;
pub mod replay;
pub mod transcript;
