//! The `chatlet` command line's library: bot JavaScript on QuickJS under limits (`js`) and
//! the host the engine's transcript driver runs on (`host`: QuickJS and real HTTP). The transcript format,
//! driver and replay are the engine's (`chatlet_engine::transcript`). `main.rs` only
//! parses arguments and calls these.

pub mod host;
pub mod js;
