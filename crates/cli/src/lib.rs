//! The `chatlet` command line's library: the transcript format (`transcript`), how engine
//! outputs read as transcript lines (`lines`), the host side of a session (`driver`: calls,
//! stubs, directives), bot JavaScript on boa (`js`) and replaying transcripts (`replay`).
//! `main.rs` only parses arguments and calls these.

pub mod driver;
pub mod js;
pub mod lines;
pub mod replay;
pub mod transcript;
