//! Runs every transcript under `tests/transcripts/`, bot code on QuickJS: adding a behaviour
//! is adding a folder or a transcript (`chatlet_engine::transcript::run_folder` says how
//! a folder is laid out). Every transcript runs three times: as is, with the session saved
//! and restored before every visitor line, and on its bot compiled and read back.

use std::path::Path;

use chatlet::host::Machine;
use chatlet_engine::transcript::run_folder;

#[test]
fn all_transcripts_pass() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = repo.join("tests/transcripts");
    let summary = run_folder(&root, &repo, &|_| true, &|| Box::new(Machine)).unwrap();
    if let Err(e) = summary.check(15) {
        panic!("{e}");
    }
    eprintln!("{} transcript runs passed", summary.passed);
}
