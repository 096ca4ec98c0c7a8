//! The engine tested by its own crate: the transcripts under `tests/transcripts/` whose
//! bots have no code, replayed without a JavaScript realm or network (`Offline`). The
//! command line's test replays all of them, code included, on QuickJS.

use std::path::Path;

use chatlet_engine::precompiled::has_code;
use chatlet_engine::transcript::{run_folder, Offline};

#[test]
fn transcripts_of_bots_without_code_pass() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = repo.join("tests/transcripts");
    let summary = run_folder(&root, &repo, &|bot| !has_code(bot), &|| Box::new(Offline)).unwrap();
    if let Err(e) = summary.check(8) {
        panic!("{e}");
    }
    eprintln!(
        "{} transcript runs passed ({} transcripts of bots with code left to the command line)",
        summary.passed, summary.skipped
    );
}
