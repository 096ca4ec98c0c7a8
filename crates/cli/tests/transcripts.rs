//! Runs every transcript under `tests/transcripts/`: each folder holds a bot (`bot.json`,
//! or `bot.link` naming a bot file relative to the repository root) and `*.transcript`
//! files. Adding a behaviour is adding a folder or a transcript. Every transcript runs
//! twice: as is, and with the session saved and restored before every visitor line.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chatlet::replay::{replay, Mode, Report};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn bot_path(dir: &Path) -> PathBuf {
    let link = dir.join("bot.link");
    if link.exists() {
        repo_root().join(std::fs::read_to_string(link).unwrap().trim())
    } else {
        dir.join("bot.json")
    }
}

#[test]
fn all_transcripts_pass() {
    let root = repo_root().join("tests/transcripts");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let (mut passed, mut failures, mut found) = (0, Vec::new(), 0);
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let bot_file = bot_path(dir);
        let text = std::fs::read_to_string(&bot_file)
            .unwrap_or_else(|e| panic!("{}: {e}", bot_file.display()));
        let bot = Arc::new(
            chatlet_engine::load(&text).unwrap_or_else(|e| panic!("{}:\n{e}", bot_file.display())),
        );
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "transcript"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} has no transcripts", dir.display());
        found += files.len();
        for file in files {
            let transcript = std::fs::read_to_string(&file).unwrap();
            // Each transcript passes as one session, and as a session saved and restored
            // from its serialised form before every visitor line.
            for restore_each_turn in [false, true] {
                let mode = Mode {
                    network: false,
                    restore_each_turn,
                };
                let bot = Arc::clone(&bot);
                match replay(bot, &transcript, dir, mode, &mut Report::default()) {
                    Ok(()) => passed += 1,
                    Err(f) => failures.push(format!(
                        "{}{}: {f}",
                        file.display(),
                        if restore_each_turn {
                            " (--restore-each-turn)"
                        } else {
                            ""
                        }
                    )),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} transcripts failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // Every transcript found ran, both ways.
    assert_eq!(
        passed,
        2 * found,
        "{found} transcripts found, {passed} runs passed"
    );
    assert!(found >= 5, "only {found} transcripts found");
    eprintln!("{passed} transcripts passed");
}
