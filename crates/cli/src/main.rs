//! `chatlet`: chat with a bot, replay transcripts, check bot files.
//! See `shared/spec/transcript.md` and the README; the arguments are parsed by clap.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use chatlet::host::Machine;
use chatlet_engine::transcript::{debug_note, escape, replay, Driver, Mode, Report};
use chatlet_engine::{Bot, Input, SessionOptions, Severity};

/// Chat with a bot, replay transcripts, check and compile bot files. BOT is a bot file:
/// Chatlet's native format or a Conversation Builder export (or, but for `compile`, a
/// bot compiled by `chatlet compile`).
#[derive(Parser)]
#[command(name = "chatlet", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Chat with a bot on the terminal (lines starting with `@` or `! ` are directives)
    Chat {
        /// The bot file
        bot: PathBuf,
        /// Write the conversation as a transcript to FILE at the end
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// Print each output as a JSON line instead of transcript lines
        #[arg(long)]
        json: bool,
        /// Print the engine's debug notes and script errors to standard error
        #[arg(long)]
        debug: bool,
        /// Keep the conversation in FILE: resume it from there if it exists, save it after every turn
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },
    /// Replay transcripts; exit 1 on any failure
    Test {
        /// The bot file
        bot: PathBuf,
        /// Transcript files
        #[arg(required = true)]
        transcripts: Vec<PathBuf>,
        /// Print the engine's debug notes and script errors to standard error
        #[arg(long)]
        debug: bool,
        /// Let integrations without a `@stub` call the network (else such a call fails the transcript)
        #[arg(long)]
        network: bool,
        /// Save the session to its serialised form and restore it before every visitor line
        #[arg(long)]
        restore_each_turn: bool,
    },
    /// List errors, unsupported features and warnings; exit 1 on errors
    Check {
        /// The bot file
        bot: PathBuf,
    },
    /// Compile a bot file for the widget: visitors then load no bot reader (docs/embedding.md)
    Compile {
        /// The bot file
        bot: PathBuf,
        /// Write to FILE (default: the bot file's name ending in .chatlet)
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write the bot's code as one JavaScript file, for pages whose CSP forbids 'unsafe-eval'
    Scripts {
        /// The bot file
        bot: PathBuf,
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    // Usage errors exit with 2 and print the usage (clap's convention).
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Chat {
            bot,
            record,
            json,
            debug,
            state,
        } => chat(&bot, record.as_deref(), json, debug, state.as_deref()),
        Command::Test {
            bot,
            transcripts,
            debug,
            network,
            restore_each_turn,
        } => {
            let mode = Mode {
                network,
                restore_each_turn,
            };
            test(&bot, &transcripts, debug, mode)
        }
        Command::Check { bot } => check(&bot),
        Command::Compile { bot, out } => compile(&bot, out.as_deref()),
        Command::Scripts { bot, out } => scripts(&bot, out.as_deref()),
    };
    result.unwrap_or_else(|message| {
        eprintln!("chatlet: {message}");
        ExitCode::from(2)
    })
}

/// Reads and loads a bot file, printing its findings on failure.
fn load_bot(path: &Path) -> Result<Bot, String> {
    let loaded = load_any(path)?;
    let path = path.display();
    loaded.map_err(|e| format!("{path} does not load:\n{e}"))
}

/// A bot file in either plain format, or a compiled bot.
fn load_any(path: &Path) -> Result<Result<Bot, chatlet_engine::LoadError>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if chatlet_engine::compiled::is_compiled(&bytes) {
        return Ok(chatlet_engine::compiled::read(&bytes));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    Ok(chatlet_engine::load(&text))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes the compiled form of a plain bot file; its findings go to standard error, and
/// a bot with errors is not written (exit 1).
fn compile(bot_file: &Path, out: Option<&Path>) -> Result<ExitCode, String> {
    let bytes =
        std::fs::read(bot_file).map_err(|e| format!("cannot read {}: {e}", bot_file.display()))?;
    if chatlet_engine::compiled::is_compiled(&bytes) {
        return Err(format!("{} is compiled already", bot_file.display()));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{} is not UTF-8 text", bot_file.display()))?;
    let bot = match chatlet_engine::load(&text) {
        Ok(bot) => bot,
        Err(e) => {
            for finding in &e.findings {
                eprintln!("{finding}");
            }
            eprintln!("{}: not compiled", bot_file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    for finding in bot.findings() {
        eprintln!("{finding}");
    }
    let out = out.map_or_else(|| bot_file.with_extension("chatlet"), Path::to_path_buf);
    let compiled = chatlet_engine::compiled::write(&bot);
    std::fs::write(&out, &compiled).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!(
        "{}: {} bytes ({} in the plain file), fingerprint {}",
        out.display(),
        compiled.len(),
        text.len(),
        bot.fingerprint()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(path: &Path) -> Result<ExitCode, String> {
    // Code QuickJS cannot parse is a warning with its place in the file.
    chatlet_engine::set_syntax_check(chatlet::js::syntax_error);
    let loaded = load_any(path)?;
    let path = path.display();
    match loaded {
        Ok(bot) => {
            for finding in bot.findings() {
                println!("{finding}");
            }
            let count = |s: Severity| bot.findings().iter().filter(|f| f.severity == s).count();
            println!(
                "{path}: ok: {} dialogs, {} interactions; {} unsupported, {} warnings",
                bot.size().0,
                bot.size().1,
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
fn scripts(bot_file: &Path, out: Option<&Path>) -> Result<ExitCode, String> {
    use chatlet_engine::precompiled;
    let bot = load_bot(bot_file)?;
    let bot_path = &bot_file.to_string_lossy();
    let mut bad = Vec::new();
    let globals = bot.globals().into_iter().cloned();
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
            std::fs::write(path, js)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "{}: {} blocks, fingerprint {}",
                path.display(),
                precompiled::blocks(&bot).len(),
                precompiled::fingerprint(&bot)
            );
        }
        None => print!("{js}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn test(
    bot_path: &Path,
    transcripts: &[PathBuf],
    debug: bool,
    mode: Mode,
) -> Result<ExitCode, String> {
    let bot = Arc::new(load_bot(bot_path)?);
    let (mut passed, mut failed) = (0, 0);
    for file in transcripts {
        let mut report = Report::default();
        let outcome = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| {
                let base = file.parent().unwrap_or(Path::new("."));
                replay(
                    Arc::clone(&bot),
                    Box::new(Machine),
                    &text,
                    base,
                    mode,
                    &mut report,
                )
                .map_err(|f| f.to_string())
            });
        let path = file.display();
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

fn chat(
    bot_path: &Path,
    record: Option<&Path>,
    json: bool,
    debug: bool,
    state: Option<&Path>,
) -> Result<ExitCode, String> {
    let bot = Arc::new(load_bot(bot_path)?);
    let options = SessionOptions {
        conversation_id: format!("chat-{}", std::process::id()),
        user_id: "terminal-visitor".into(),
        ..Default::default()
    };
    let mut driver = Driver::new(bot, options, Box::new(Machine));
    if let Some(path) = state.filter(|p| p.exists()) {
        let saved = read(path)?;
        if let Err(why) = driver.load(&saved) {
            eprintln!(
                "chatlet: {}: {why}; a new conversation starts",
                path.display()
            );
        }
    }
    let mut transcript = String::new();
    let result = converse(&mut driver, &mut transcript, json, debug, state);
    // What was said is recorded even when the conversation ended in an error.
    if let Some(path) = record {
        std::fs::write(path, &transcript)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    result.map(|()| ExitCode::SUCCESS)
}

/// The terminal conversation: a line of standard input at a time (bytes that are not
/// UTF-8 become replacement characters), answers on standard output.
fn converse(
    driver: &mut Driver,
    transcript: &mut String,
    json: bool,
    debug: bool,
    state: Option<&Path>,
) -> Result<(), String> {
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout();
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let read = stdin
            .read_until(b'\n', &mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        if read == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&bytes);
        let text = line.trim_end_matches(['\n', '\r']).to_string();
        let outputs = if let Some(directive) = text.strip_prefix('@') {
            transcript.push_str(&format!("{text}\n"));
            if let Err(e) = driver.directive(directive) {
                eprintln!("chatlet: {}", terminal_safe(&e));
            }
            continue;
        } else if let Some(action) = text.strip_prefix("! ") {
            transcript.push_str(&format!("{text}\n"));
            driver.action(action).unwrap_or_else(|e| {
                eprintln!("chatlet: {}", terminal_safe(&e));
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
                    eprintln!("debug: {}", terminal_safe(&note));
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
                    writeln!(stdout, "< {}", terminal_safe(&line)).map_err(|e| e.to_string())?;
                }
            }
        }
        stdout.flush().map_err(|e| e.to_string())?;
        if let Some(path) = state {
            std::fs::write(path, driver.save()?)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
}

/// `text` with control characters (ANSI escapes, NUL, …) written as `\u{1b}` instead of
/// acting on the terminal.
fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn control_characters_are_shown_not_sent_to_the_terminal() {
        assert_eq!(
            terminal_safe("a\u{1b}[31mred\u{0}\u{9b}b\tc"),
            "a\\u{1b}[31mred\\u{0}\\u{9b}b\tc"
        );
    }
}
