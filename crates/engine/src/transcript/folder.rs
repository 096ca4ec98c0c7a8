//! Runs a folder of transcript folders (`tests/transcripts/`): each folder holds a bot
//! (`bot.json`, or `bot.link` naming a bot file relative to the repository root) and
//! `*.transcript` files. Every transcript runs three times: as is, with the session saved
//! and restored before every visitor line, and on the bot compiled and read back
//! ([`crate::compiled`]), as the widget's visitors' build runs it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::driver::Host;
use super::replay::{replay, Mode, Report};
use crate::model::Bot;

/// How many times each transcript runs.
pub const RUNS: usize = 3;

/// What running a folder gave.
#[derive(Debug, Default)]
pub struct Summary {
    /// Transcripts found (of bots that were run).
    pub found: usize,
    /// Runs that passed ([`RUNS`] per transcript).
    pub passed: usize,
    /// Transcripts of bots left out by the caller's filter.
    pub skipped: usize,
    /// What failed, one entry per failed run.
    pub failures: Vec<String>,
}

/// Replays every transcript under `root` (the repository root is `repo`, for `bot.link`)
/// whose bot `run` accepts, with a host from `host` per run.
pub fn run_folder(
    root: &Path,
    repo: &Path,
    run: &dyn Fn(&Bot) -> bool,
    host: &dyn Fn() -> Box<dyn Host>,
) -> Result<Summary, String> {
    let mut summary = Summary::default();
    for dir in sorted(root, |p| p.is_dir())? {
        let link = dir.join("bot.link");
        let bot_file = if link.exists() {
            let to =
                std::fs::read_to_string(&link).map_err(|e| format!("{}: {e}", link.display()))?;
            repo.join(to.trim())
        } else {
            dir.join("bot.json")
        };
        let text = std::fs::read_to_string(&bot_file)
            .map_err(|e| format!("{}: {e}", bot_file.display()))?;
        let bot =
            Arc::new(crate::load(&text).map_err(|e| format!("{}:\n{e}", bot_file.display()))?);
        let compiled = crate::compiled::read(&crate::compiled::write(&bot))
            .map(Arc::new)
            .map_err(|e| format!("{} compiled:\n{e}", bot_file.display()))?;
        let files = sorted(&dir, |p| p.extension().is_some_and(|x| x == "transcript"))?;
        if files.is_empty() {
            return Err(format!("{} has no transcripts", dir.display()));
        }
        if !run(&bot) {
            summary.skipped += files.len();
            continue;
        }
        summary.found += files.len();
        for file in files {
            let transcript =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            for (restore_each_turn, compiled) in
                [(false, None), (true, None), (false, Some(&compiled))]
            {
                let mode = Mode {
                    network: false,
                    restore_each_turn,
                };
                let bot = Arc::clone(compiled.unwrap_or(&bot));
                match replay(bot, host(), &transcript, &dir, mode, &mut Report::default()) {
                    Ok(()) => summary.passed += 1,
                    Err(f) => summary.failures.push(format!(
                        "{}{}: {f}",
                        file.display(),
                        match (restore_each_turn, compiled.is_some()) {
                            (true, _) => " (--restore-each-turn)",
                            (_, true) => " (compiled)",
                            _ => "",
                        }
                    )),
                }
            }
        }
    }
    Ok(summary)
}

impl Summary {
    /// Fails unless every transcript found ran every way and passed, and at least `min`
    /// were found.
    pub fn check(&self, min: usize) -> Result<(), String> {
        if !self.failures.is_empty() {
            return Err(format!(
                "{} transcript runs failed:\n{}",
                self.failures.len(),
                self.failures.join("\n\n")
            ));
        }
        if self.passed != RUNS * self.found {
            return Err(format!(
                "{} transcripts found, {} runs passed",
                self.found, self.passed
            ));
        }
        if self.found < min {
            return Err(format!("only {} transcripts found", self.found));
        }
        Ok(())
    }
}

/// The entries of `dir` that `keep` accepts, in name order.
fn sorted(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .collect();
    out.sort();
    Ok(out)
}
