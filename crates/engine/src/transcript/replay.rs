//! Replays a transcript against a bot and reports the first difference.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::driver::{Driver, Host};
use super::format::{self as transcript, Line};
use super::lines::debug_note;
use crate::event::{Input, Output};
use crate::model::Bot;
use crate::session::SessionOptions;

/// Why a transcript did not pass.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    /// The transcript line where things went wrong (0: end of file).
    pub line: usize,
    /// What went wrong, with expected and actual lines.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What a replay produced besides its verdict.
#[derive(Debug, Default)]
pub struct Report {
    /// Debug notes from the engine, in order.
    pub debug: Vec<String>,
}

/// How to replay.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mode {
    /// Calls without a `@stub` go to the network (else they fail the transcript).
    pub network: bool,
    /// Before every visitor line (and `!` action), the session is saved to its serialised
    /// form and restored from it (`--restore-each-turn`).
    pub restore_each_turn: bool,
}

/// Replays `text` (a transcript) against `bot` as a brand-new visitor, with the bot's
/// code and calls made through `host`; files named in `! upload` lines are relative to
/// `base`.
pub fn replay(
    bot: Arc<Bot>,
    host: Box<dyn Host>,
    text: &str,
    base: &Path,
    mode: Mode,
    report: &mut Report,
) -> Result<(), Failure> {
    let lines = transcript::parse(text).map_err(|e| Failure {
        line: e.number,
        message: e.to_string(),
    })?;
    let options = SessionOptions {
        conversation_id: "transcript-conversation".into(),
        user_id: "transcript-visitor".into(),
        ..Default::default()
    };
    let mut driver = Driver::new(bot, options, host);
    if !mode.network {
        driver = driver.offline();
    }
    let reload = |driver: &mut Driver, line: usize| {
        if !mode.restore_each_turn {
            return Ok(());
        }
        driver.reload().map_err(|message| Failure {
            line,
            message: format!("restoring the saved session: {message}"),
        })
    };
    driver.set_base(base);
    let mut actual: Vec<String> = Vec::new();
    let mut expected: Vec<(usize, String)> = Vec::new();
    let mut turn_line = 0;
    for numbered in lines {
        match numbered.line {
            Line::Bot(text) => expected.push((numbered.number, text)),
            Line::Visitor(text) => {
                compare(turn_line, &expected, &actual)?;
                expected.clear();
                turn_line = numbered.number;
                reload(&mut driver, numbered.number)?;
                let outputs = driver.send(Input::Text(text));
                unstubbed(&mut driver, numbered.number)?;
                actual = collect(&driver, outputs, report);
            }
            Line::Action(action) => {
                compare(turn_line, &expected, &actual)?;
                expected.clear();
                turn_line = numbered.number;
                reload(&mut driver, numbered.number)?;
                let outputs = driver.action(&action).map_err(|message| Failure {
                    line: numbered.number,
                    message,
                })?;
                unstubbed(&mut driver, numbered.number)?;
                actual = collect(&driver, outputs, report);
            }
            Line::Directive(directive) => {
                driver.directive(&directive).map_err(|message| Failure {
                    line: numbered.number,
                    message,
                })?;
            }
        }
    }
    compare(turn_line, &expected, &actual)
}

/// Fails the transcript when the turn at `line` called an integration it has no `@stub` for.
fn unstubbed(driver: &mut Driver, line: usize) -> Result<(), Failure> {
    match driver.take_unstubbed().first() {
        None => Ok(()),
        Some(name) => Err(Failure {
            line,
            message: format!(
                "no @stub for {name}: add `@stub {name} STATUS BODY` (or `! fail {name}`), or run with --network"
            ),
        }),
    }
}

fn collect(driver: &Driver, outputs: Vec<Output>, report: &mut Report) -> Vec<String> {
    report.debug.extend(outputs.iter().filter_map(debug_note));
    outputs.iter().flat_map(|o| driver.lines(o)).collect()
}

/// Compares one turn's expected bot lines with what the bot said.
fn compare(
    turn_line: usize,
    expected: &[(usize, String)],
    actual: &[String],
) -> Result<(), Failure> {
    for i in 0..expected.len().max(actual.len()) {
        let want = expected.get(i).map(|(_, t)| t.trim_end());
        let got = actual.get(i).map(|t| t.trim_end());
        if want == got {
            continue;
        }
        let line = expected.get(i).map_or(turn_line, |(n, _)| *n);
        let show = |lines: &mut dyn Iterator<Item = &str>| -> String {
            let v: Vec<String> = lines.map(|l| format!("    < {l}")).collect();
            if v.is_empty() {
                "    (nothing)".to_string()
            } else {
                v.join("\n")
            }
        };
        let message = format!(
            "{}\n  expected:\n{}\n  actual:\n{}",
            match (want, got) {
                (Some(w), Some(g)) => format!("expected `< {w}`, the bot said `< {g}`"),
                (Some(w), None) => format!("expected `< {w}`, the bot said nothing more"),
                (None, Some(g)) => format!("the bot also said `< {g}`"),
                (None, None) => unreachable!(),
            },
            show(&mut expected.iter().map(|(_, t)| t.as_str())),
            show(&mut actual.iter().map(String::as_str)),
        );
        return Err(Failure { line, message });
    }
    Ok(())
}
