//! Compiled bots: a loaded, checked [`Bot`] written as bytes, so that a host can run a bot
//! without reading its file. The widget's visitors' build reads only this form: the two
//! bot readers, their checks and the JavaScript translation of regular expressions stay
//! where the bot is compiled (`chatlet compile`, the previewer, or the widget's reader
//! module, fetched only for a plain bot file). See docs/bot-format.md, "Compiled bots".
//!
//! The bytes are [`MAGIC`], then the bot in `postcard` (serde's derives on the model):
//! the format's version and the engine's version, then the model. A file of another
//! version is refused by name, never half read; a file that does not decode, or whose
//! cross references do not hold, is refused with what is wrong. What it keeps of the
//! plain file: its fingerprint (so a stored conversation and a strict-CSP scripts file
//! made for the plain file go on working) and its findings (so the page still hears the
//! warnings).
//!
//! ```
//! let bot = chatlet_engine::load(r#"{"name": "hi", "dialogs": [{"name": "greet",
//!     "patterns": ["hi"], "flow": [{"say": "Hello!"}]}]}"#).unwrap();
//! let bytes = chatlet_engine::compiled::write(&bot);
//! assert!(chatlet_engine::compiled::is_compiled(&bytes));
//! let again = chatlet_engine::compiled::read(&bytes).unwrap();
//! assert_eq!(again.fingerprint(), bot.fingerprint());
//! ```

use crate::error::LoadError;
use crate::load::{MAX_BOT_BYTES, MAX_DIALOGS, MAX_INTERACTIONS};
use crate::model::{Action, Bot, Kind, API_TIMEOUT_MS, CHIPS_PER_ROW, MAX_DELAY_MS, MAX_STEPS};
use crate::starters::StarterIndex;

/// How a compiled bot begins: not JSON (a plain bot file begins with `{`, white space or
/// a byte-order mark), and a reader of another format stops at once.
pub const MAGIC: &[u8; 8] = b"\0chatlet";

/// How a refusal begins: what a compiler that could not compile a file gives instead of
/// the bot (the widget's bot reader), so that the findings reach the host by the same
/// reader as a bot's (see [`refusal`]).
pub const REFUSED: &[u8; 8] = b"\0refused";

/// The layout's version: raised whenever the model or the translation of expressions
/// changes what the bytes mean.
pub const FORMAT: u32 = 1;

/// The engine version that wrote a file (a file from another release may translate
/// expressions differently, so it is refused too).
const ENGINE: &str = env!("CARGO_PKG_VERSION");

#[derive(serde::Serialize)]
struct Out<'a> {
    format: u32,
    engine: &'a str,
    bot: &'a Bot,
}

/// The head of [`Out`], read first: the bot after it is read only when it is this
/// engine's.
#[derive(serde::Deserialize)]
struct Version {
    format: u32,
    engine: String,
}

/// Does `bytes` begin as a compiled bot?
pub fn is_compiled(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The bot as bytes.
pub fn write(bot: &Bot) -> Vec<u8> {
    let out = Out {
        format: FORMAT,
        engine: ENGINE,
        bot,
    };
    let mut bytes = MAGIC.to_vec();
    // Writing a model to a vector cannot fail: every type of it serialises.
    bytes.extend(postcard::to_allocvec(&out).unwrap_or_default());
    bytes
}

/// The findings of a file that did not load, as bytes that [`read`] gives back as the
/// same error.
pub fn refusal(error: &LoadError) -> Vec<u8> {
    let mut bytes = REFUSED.to_vec();
    bytes.extend(postcard::to_allocvec(&error.findings).unwrap_or_default());
    bytes
}

/// Reads a compiled bot, checking that it is one of this engine's and that every cross
/// reference in it points where it may; a [`refusal`] is read as the error it holds.
pub fn read(bytes: &[u8]) -> Result<Bot, LoadError> {
    let refuse = |why: String| LoadError::at_root(format!("the compiled bot does not read: {why}"));
    if let Some(refused) = bytes.strip_prefix(REFUSED) {
        return Err(match postcard::from_bytes::<Vec<crate::Finding>>(refused) {
            Ok(findings) if !findings.is_empty() => LoadError { findings },
            _ => refuse("a refusal without findings".into()),
        });
    }
    let Some(body) = bytes.strip_prefix(MAGIC) else {
        return Err(refuse("it does not begin as one".into()));
    };
    if bytes.len() > MAX_BOT_BYTES {
        return Err(refuse(format!(
            "it has {} bytes; a bot may have at most {MAX_BOT_BYTES}",
            bytes.len()
        )));
    }
    let (version, body): (Version, _) =
        postcard::take_from_bytes(body).map_err(|e| refuse(e.to_string()))?;
    if version.format != FORMAT || version.engine != ENGINE {
        return Err(LoadError::at_root(format!(
            "the compiled bot was written by Chatlet {} (format {}), and this is Chatlet {ENGINE} (format {FORMAT}): compile the bot file again (`chatlet compile`), or serve the plain file",
            version.engine, version.format
        )));
    }
    let (mut bot, rest): (Bot, _) =
        postcard::take_from_bytes(body).map_err(|e| refuse(e.to_string()))?;
    if !rest.is_empty() {
        return Err(refuse(format!("{} bytes follow the bot", rest.len())));
    }
    well_formed(&bot).map_err(refuse)?;
    bot.starters = StarterIndex::new(&bot.dialogs);
    Ok(bot)
}

/// Every index in the model points at something that exists, and the sizes and
/// settings are within the loaders' limits: what the loaders guarantee of a bot they
/// make, checked again for one read from bytes, so that a damaged or crafted file is
/// refused and never panics, hangs or stalls a session (a turn's step budget, a message's
/// delay and a call's timeout are what bound them).
fn well_formed(bot: &Bot) -> Result<(), String> {
    let s = &bot.settings;
    if !(1..=MAX_STEPS).contains(&s.max_steps)
        || !(API_TIMEOUT_MS.0..=API_TIMEOUT_MS.1).contains(&s.api_timeout_ms)
    {
        return Err(format!(
            "its settings (maxSteps {}, apiTimeoutMs {}) are out of range",
            s.max_steps, s.api_timeout_ms
        ));
    }
    let (dialogs, interactions) = (bot.dialogs.len(), bot.interactions.len());
    if dialogs > MAX_DIALOGS || interactions > MAX_INTERACTIONS {
        return Err(format!(
            "{dialogs} dialogs and {interactions} interactions are over the limits"
        ));
    }
    let bad = |what: &str, at: usize| Err(format!("{what} {at} points at nothing"));
    if let Some(d) = bot.fallback.filter(|d| *d >= dialogs) {
        return Err(format!("the fallback dialog {d} does not exist"));
    }
    for (at, dialog) in bot.dialogs.iter().enumerate() {
        if dialog.head.is_some_and(|i| i >= interactions) {
            return bad("dialog", at);
        }
    }
    let action_ok = |action: &Action| match action {
        Action::Goto(i) => *i < interactions,
        Action::Dialog(d) => *d < dialogs,
        _ => true,
    };
    for (at, it) in bot.interactions.iter().enumerate() {
        let rules_ok = it.rules.iter().all(|rule| action_ok(&rule.action));
        let kind_ok = match &it.kind {
            Kind::Call(i) => *i < bot.integrations.len(),
            Kind::Question { chips, .. } => *chips <= CHIPS_PER_ROW,
            _ => true,
        };
        if it.dialog >= dialogs
            || it.next.is_some_and(|i| i >= interactions)
            || !rules_ok
            || !kind_ok
        {
            return bad("interaction", at);
        }
        if it.delay_ms > MAX_DELAY_MS {
            return Err(format!(
                "interaction {at} waits {} ms, over {MAX_DELAY_MS}",
                it.delay_ms
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOT: &str = r#"{"name": "shop", "dialogs": [
        {"name": "order", "patterns": ["*order*", "(hi|hello) *"], "flow": [
            {"ask": "Your order number?", "name": "number", "rules": [
                {"regex": "^\\d{6}$", "slots": {"order": "{$query}"}},
                {"regex": "^straße$", "flags": "iu", "then": "number"},
                {"noMatch": "Six digits, please.", "then": "repeat"}]},
            {"say": "Thanks, order {$botContext.slot.order}."}]},
        {"name": "Fallback", "fallback": true, "flow": [{"say": "Sorry?"}]}]}"#;

    #[test]
    fn a_compiled_bot_reads_back_as_the_same_bot() {
        let bot = crate::load(BOT).unwrap();
        let bytes = write(&bot);
        let again = read(&bytes).unwrap();
        assert_eq!(format!("{again:?}"), format!("{bot:?}"));
        assert_eq!(write(&again), bytes);
    }

    #[test]
    fn settings_delays_and_chips_out_of_the_loaders_ranges_are_refused() {
        type Damage = fn(&mut Bot);
        let damages: [(&str, Damage); 5] = [
            ("maxSteps", |b| b.settings.max_steps = u32::MAX),
            ("maxSteps", |b| b.settings.max_steps = 0),
            ("apiTimeoutMs", |b| b.settings.api_timeout_ms = 0),
            ("waits", |b| b.interactions[1].delay_ms = 2_000_000_000),
            ("interaction", |b| {
                if let Kind::Question { chips, .. } = &mut b.interactions[0].kind {
                    *chips = 200;
                }
            }),
        ];
        for (what, damage) in damages {
            let mut bot = crate::load(BOT).unwrap();
            damage(&mut bot);
            let e = read(&write(&bot)).unwrap_err().to_string();
            assert!(e.contains(what), "{what}: {e}");
        }
        let mut bytes = write(&crate::load(BOT).unwrap());
        bytes.push(0);
        let e = read(&bytes).unwrap_err().to_string();
        assert!(e.contains("1 bytes follow the bot"), "{e}");
    }

    #[test]
    fn only_the_findings_the_widget_records_are_kept() {
        let mut bot = crate::load(
            r#"{"dialogs": [{"name": "D", "patterns": ["hi"], "flow": [
                {"say": "a", "pre": "botContext.sendEmail('x');"}]}]}"#,
        )
        .unwrap();
        // chatlet check's own: an unknown botContext call.
        assert!(bot.findings.iter().any(|f| f.checks), "{:?}", bot.findings);
        let mut visible = bot.findings[0].clone();
        visible.checks = false;
        visible.message = "shown to the page".into();
        bot.findings.push(visible);
        let read = read(&write(&bot)).unwrap();
        let kept: Vec<&str> = read.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(kept, ["shown to the page"]);
    }

    #[test]
    fn a_refusal_reads_back_as_its_error() {
        let e = crate::load(r#"{"dialogs": [{"name": "D", "oops": 1}]}"#).unwrap_err();
        assert_eq!(read(&refusal(&e)).unwrap_err(), e);
        assert!(read(REFUSED).is_err());
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused_never_half_read() {
        let bytes = write(&crate::load(BOT).unwrap());
        assert!(read(b"{\"dialogs\": []}").is_err());
        let other = [
            MAGIC.as_slice(),
            &postcard::to_allocvec(&(FORMAT + 1, ENGINE)).unwrap(),
        ]
        .concat();
        let e = read(&other).unwrap_err().to_string();
        assert!(
            e.contains("format 2") && e.contains("compile the bot file again"),
            "{e}"
        );
        // Every truncation and every single changed byte: an error, or a bot a session
        // runs; never a panic.
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in MAGIC.len()..bytes.len() {
            for value in [0u8, 1, 2, 7, 0x7f, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[at] = value;
                if let Ok(bot) = read(&changed) {
                    let mut session =
                        crate::Session::new(std::sync::Arc::new(bot), Default::default());
                    for text in ["hi", "123456", "order"] {
                        session.handle(crate::Input::Text(text.into()));
                    }
                }
            }
        }
    }
}
