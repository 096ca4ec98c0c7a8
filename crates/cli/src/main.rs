//! `chatlet`: chat with a bot, replay transcripts, check bot files.
//! See `shared/spec/transcript.md` and `docs/cli.md`.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use chatlet::driver::Driver;
use chatlet::lines::debug_note;
use chatlet::replay::{replay, Report};
use chatlet::transcript::escape;
use chatlet_engine::{Bot, Input, SessionOptions, Severity};

const USAGE: &str = "usage:
  chatlet chat BOT [--record FILE] [--json] [--debug]   chat with a bot on the terminal
  chatlet test BOT TRANSCRIPT... [--debug]              replay transcripts; exit 1 on any failure
  chatlet check BOT                                     list errors and unsupported features; exit 1 on errors
  chatlet scripts BOT [--out FILE]                      write the bot's code as a JavaScript file for
                                                        pages whose CSP forbids 'unsafe-eval'
BOT is a bot file: Chatlet's native format or a Conversation Builder export.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let valued = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args.get(i + 1).cloned())
    };
    let record = valued("--record");
    let out = valued("--out");
    let positional: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !(a.starts_with("--")
                || *i > 0 && ["--record", "--out"].contains(&args[i - 1].as_str()))
        })
        .map(|(_, a)| a)
        .collect();
    let result = match (positional.first().map(|s| s.as_str()), positional.get(1)) {
        (Some("chat"), Some(bot)) if positional.len() == 2 => match record {
            Some(None) => Err(usage("--record needs a FILE")),
            Some(Some(file)) => chat(bot, Some(&file), flag("--json"), flag("--debug")),
            None => chat(bot, None, flag("--json"), flag("--debug")),
        },
        (Some("test"), Some(bot)) if positional.len() > 2 => {
            test(bot, &positional[2..], flag("--debug"))
        }
        (Some("check"), Some(bot)) if positional.len() == 2 => check(bot),
        (Some("scripts"), Some(bot)) if positional.len() == 2 => match out {
            Some(None) => Err(usage("--out needs a FILE")),
            Some(Some(file)) => scripts(bot, Some(&file)),
            None => scripts(bot, None),
        },
        (Some("help"), _) | (None, _)
            if flag("--help") || positional.first().is_some_and(|c| c.as_str() == "help") =>
        {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(usage("")),
    };
    result.unwrap_or_else(|message| {
        eprintln!("chatlet: {message}");
        ExitCode::from(2)
    })
}

fn usage(problem: &str) -> String {
    if problem.is_empty() {
        USAGE.to_string()
    } else {
        format!("{problem}\n{USAGE}")
    }
}

/// Reads and loads a bot file, printing its findings on failure.
fn load_bot(path: &str) -> Result<Bot, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    chatlet_engine::load(&text).map_err(|e| format!("{path} does not load:\n{e}"))
}

fn check(path: &str) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    match chatlet_engine::load(&text) {
        Ok(bot) => {
            for finding in &bot.findings {
                println!("{finding}");
            }
            let count = |s: Severity| bot.findings.iter().filter(|f| f.severity == s).count();
            println!(
                "{path}: ok: {} dialogs, {} interactions; {} unsupported, {} warnings",
                bot.dialogs.len(),
                bot.interactions.len(),
                count(Severity::Unsupported),
                count(Severity::Warning)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            for finding in &e.findings {
                println!("{finding}");
            }
            let errors = e
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            println!(
                "{path}: {errors} error{}",
                if errors == 1 { "" } else { "s" }
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Writes the bot's code blocks as one JavaScript file (strict-CSP mode), after checking
/// that every block parses.
fn scripts(bot_path: &str, out: Option<&str>) -> Result<ExitCode, String> {
    use chatlet_engine::precompiled;
    let bot = load_bot(bot_path)?;
    let mut bad = Vec::new();
    let globals = bot.globals.iter().cloned();
    for block in globals.chain(precompiled::blocks(&bot)) {
        if let Some(error) = chatlet::js::syntax_error(&block.source) {
            bad.push(format!("{}: {error}", block.key));
        }
    }
    if !bad.is_empty() {
        return Err(format!(
            "{bot_path}: code that does not parse cannot be precompiled:\n  {}",
            bad.join("\n  ")
        ));
    }
    let js = precompiled::file(&bot, bot_path);
    if let Some(error) = chatlet::js::syntax_error(&js) {
        return Err(format!(
            "{bot_path}: the generated file does not parse: {error}"
        ));
    }
    match out {
        Some(path) => {
            std::fs::write(path, js).map_err(|e| format!("cannot write {path}: {e}"))?;
            eprintln!(
                "{path}: {} blocks, fingerprint {}",
                precompiled::blocks(&bot).len(),
                precompiled::fingerprint(&bot)
            );
        }
        None => print!("{js}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn test(bot_path: &str, transcripts: &[&String], debug: bool) -> Result<ExitCode, String> {
    let bot = Arc::new(load_bot(bot_path)?);
    let (mut passed, mut failed) = (0, 0);
    for path in transcripts {
        let mut report = Report::default();
        let outcome = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| {
                let base = std::path::Path::new(path.as_str())
                    .parent()
                    .unwrap_or(std::path::Path::new("."));
                replay(Arc::clone(&bot), &text, base, &mut report).map_err(|f| f.to_string())
            });
        if debug {
            report.debug.iter().for_each(|d| eprintln!("debug: {d}"));
        }
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("ok - {path}");
            }
            Err(message) => {
                failed += 1;
                println!("FAIL - {path}: {message}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn chat(bot_path: &str, record: Option<&str>, json: bool, debug: bool) -> Result<ExitCode, String> {
    let bot = Arc::new(load_bot(bot_path)?);
    let options = SessionOptions {
        conversation_id: format!("chat-{}", std::process::id()),
        user_id: "terminal-visitor".into(),
        ..Default::default()
    };
    let mut driver = Driver::new(bot, options);
    let mut transcript = String::new();
    let stdin = io::stdin();
    let mut stdout = io::stdout();
    for line in stdin.lock().lines() {
        let text = line.map_err(|e| format!("cannot read standard input: {e}"))?;
        let outputs = if let Some(directive) = text.strip_prefix('@') {
            transcript.push_str(&format!("{text}\n"));
            if let Err(e) = driver.directive(directive) {
                eprintln!("chatlet: {e}");
            }
            continue;
        } else if let Some(action) = text.strip_prefix("! ") {
            transcript.push_str(&format!("{text}\n"));
            driver.action(action).unwrap_or_else(|e| {
                eprintln!("chatlet: {e}");
                vec![]
            })
        } else {
            transcript.push_str(&format!("> {}\n", escape(&text)));
            let input = if text.trim() == "reset" {
                Input::Reset
            } else {
                Input::Text(text)
            };
            driver.send(input)
        };
        for output in outputs {
            if let Some(note) = debug_note(&output) {
                if debug {
                    eprintln!("debug: {note}");
                }
                continue;
            }
            if json {
                let line = serde_json::to_string(&output).map_err(|e| e.to_string())?;
                writeln!(stdout, "{line}").map_err(|e| e.to_string())?;
            }
            for line in driver.lines(&output) {
                transcript.push_str(&format!("< {line}\n"));
                if !json {
                    writeln!(stdout, "< {line}").map_err(|e| e.to_string())?;
                }
            }
        }
        stdout.flush().map_err(|e| e.to_string())?;
    }
    if let Some(path) = record {
        std::fs::write(path, transcript).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(ExitCode::SUCCESS)
}
