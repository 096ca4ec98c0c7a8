//! Transcripts (`shared/spec/transcript.md`), the engine's test language: the line format
//! (`format`), how outputs read as bot lines (`lines`), a host's side of a session
//! (`driver`: stubs, `! fail`, `! upload`, directives; bot code and the network come
//! from a [`Host`]), replaying a transcript to its first difference (`replay`), and
//! running a folder of them (`folder`).
//! `chatlet chat` and `chatlet test` use it with QuickJS and real HTTP; the engine's own
//! test replays the transcripts of bots without code with [`Offline`].

mod driver;
mod folder;
mod format;
mod lines;
mod replay;

pub use driver::{Driver, Host, Offline};
pub use folder::{run_folder, Summary};
pub use format::{escape, parse, unescape, Line, Numbered, ParseError};
pub use lines::{bot_lines, debug_note};
pub use replay::{replay, Failure, Mode, Report};
