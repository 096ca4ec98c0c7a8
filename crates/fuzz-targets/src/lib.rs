//! The fuzz targets: one function per parser, plus the session. Each takes arbitrary
//! bytes and must neither panic, hang nor grow without bound; where a law holds it is
//! checked too (a panic is the fuzzer's "crash"). `fuzz/fuzz_targets/*.rs` hands these
//! to libFuzzer (`tools/fuzz.sh`, nightly); `tests/corpus.rs` replays every saved input
//! on stable, as part of the test command.

use std::collections::HashSet;
use std::sync::Arc;

use chatlet_engine::internals::JsRegex;
use chatlet_engine::internals::JsonPath;
use chatlet_engine::internals::Pattern;
use chatlet_engine::internals::{Placeholder, Template};
use chatlet_engine::{FileIn, Input, Output, Session};
use serde_json::Value;

/// A fuzz target: it takes any bytes.
pub type Target = fn(&[u8]);

/// Every target by name (the folder names under `fuzz/corpus/`).
pub const TARGETS: [(&str, Target); 10] = [
    ("pattern", pattern),
    ("regex", regex),
    ("template", template),
    ("jsonpath", jsonpath),
    ("markup", markup),
    ("transcript", transcript),
    ("native", native),
    ("cb", cb),
    ("compiled", compiled),
    ("session", session),
];

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The first line is a CB pattern, the rest messages it is matched against; matching
/// ignores letter case.
pub fn pattern(data: &[u8]) {
    let text = text(data);
    let mut lines = text.split('\n');
    let Ok(p) = Pattern::parse(lines.next().unwrap_or_default()) else {
        return;
    };
    for message in lines {
        let fits = p.matches(message);
        if message.is_ascii() {
            assert_eq!(
                fits,
                p.matches(&message.to_ascii_uppercase()),
                "case: {message:?}"
            );
        }
    }
}

/// The first line is a JavaScript regular expression (after its flags and a tab, if it
/// has a tab), translated and compiled by the `regex` crate; the rest are texts it is
/// tried on.
pub fn regex(data: &[u8]) {
    let text = text(data);
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let (flags, source) = first.split_once('\t').unwrap_or(("", first));
    let Ok(re) = JsRegex::with_flags(source, flags) else {
        return;
    };
    for line in lines {
        re.is_match(line);
    }
}

/// A template is parsed and filled every way; a JSON body stays JSON when it was JSON.
pub fn template(data: &[u8]) {
    let text = text(data);
    let t = Template::parse(&text, &["Api"]);
    let value = |p: &Placeholder| match p {
        Placeholder::BotVar(n) => Some(format!("{n}\"}}{{\\")),
        _ => Some("x, \"y\": [1".to_string()),
    };
    t.render(&value);
    t.render_json(&value);
    let body = t.render_json_body(&value);
    if serde_json::from_str::<Value>(&text).is_ok() && t.placeholders().next().is_some() {
        assert!(
            serde_json::from_str::<Value>(&body).is_ok(),
            "a JSON body stopped being JSON: {body}"
        );
    }
}

/// The first line is a JSON path, the rest a JSON document it selects from.
pub fn jsonpath(data: &[u8]) {
    let text = text(data);
    let (path, doc) = text.split_once('\n').unwrap_or((&text, "null"));
    if let Ok(path) = JsonPath::parse(path) {
        let doc: Value = serde_json::from_str(doc).unwrap_or(Value::Null);
        path.select(&doc);
    }
}

/// Bot text with CB's HTML subset: it parses, and only allowed links keep an href.
pub fn markup(data: &[u8]) {
    use chatlet_widget::markup::{parse, Node};
    fn check(nodes: &[Node], depth: usize) {
        assert!(depth <= chatlet_widget::markup::MAX_DEPTH + 1, "too deep");
        for n in nodes {
            if let Node::Element { href, children, .. } = n {
                if let Some(href) = href {
                    let h = href.to_ascii_lowercase();
                    assert!(
                        ["https://", "http://", "mailto:", "tel:"]
                            .iter()
                            .any(|s| h.starts_with(s)),
                        "{href}"
                    );
                }
                check(children, depth + 1);
            }
        }
    }
    check(&parse(&text(data)), 0);
}

/// A transcript file.
pub fn transcript(data: &[u8]) {
    let _ = chatlet_engine::transcript::parse(&text(data));
}

/// A native bot file: findings, never a panic; a bot that loads can be talked to.
pub fn native(data: &[u8]) {
    if let Ok(bot) = chatlet_engine::internals::load_native(&text(data)) {
        talk(bot);
    }
}

/// A CB export: findings, never a panic; a bot that loads can be talked to.
pub fn cb(data: &[u8]) {
    if let Ok(bot) = chatlet_engine::internals::load_cb(&text(data)) {
        talk(bot);
    }
}

/// A compiled bot (`chatlet compile`), damaged or not: refused or read, never a panic; a
/// bot read writes back to the same bytes and can be talked to.
pub fn compiled(data: &[u8]) {
    use chatlet_engine::compiled;
    if let Ok(bot) = compiled::read(data) {
        let again = compiled::write(&bot);
        let reread = compiled::read(&again).expect("a bot read writes back to bytes that read");
        assert_eq!(compiled::write(&reread), again, "writing is stable");
        talk(bot);
    }
}

fn talk(bot: chatlet_engine::Bot) {
    let mut s = Session::new(Arc::new(bot), Default::default());
    for message in ["hi", "balance", "123456", "agent", "1", "reset", ""] {
        bounded(&s.handle(Input::Text(message.into())));
    }
}

/// What one input may produce at most (a turn runs at most `maxSteps` interactions, each
/// sending a few messages).
const MAX_OUTPUTS: usize = 2_000;

fn bounded(out: &[Output]) {
    assert!(
        out.len() <= MAX_OUTPUTS,
        "{} outputs for one input",
        out.len()
    );
}

const SESSION_BOTS: [&str; 3] = [
    include_str!("../../../www/demo-bot.json"),
    include_str!("../../../tests/transcripts/cb-account-balance/bot.json"),
    include_str!("../../../tests/transcripts/starter-specificity/bot.json"),
];

/// A conversation driven by the bytes: the first picks a bot, then each op byte is an
/// input (a text, a choice, an answer to a request with any status and body, a network
/// error, a file, a reset, a transfer outcome). After every input: no panic, bounded
/// outputs, no request id is ever issued twice, and the session's snapshot restores to
/// the same state (the conversation goes on with the restored session half the time).
pub fn session(data: &[u8]) {
    let Some((&which, mut ops)) = data.split_first() else {
        return;
    };
    static BOTS: std::sync::OnceLock<Vec<Arc<chatlet_engine::Bot>>> = std::sync::OnceLock::new();
    let bots = BOTS.get_or_init(|| {
        SESSION_BOTS
            .iter()
            .map(|b| Arc::new(chatlet_engine::load(b).expect("the fixture bots load")))
            .collect()
    });
    let bot = Arc::clone(&bots[which as usize % bots.len()]);
    let mut s = Session::new(Arc::clone(&bot), Default::default());
    let mut open: Vec<u64> = Vec::new();
    let mut issued = HashSet::new();
    let mut handles = 0u64;
    let take = |ops: &mut &[u8], n: usize| -> Vec<u8> {
        let n = n.min(ops.len());
        let (head, rest) = ops.split_at(n);
        *ops = rest;
        head.to_vec()
    };
    while let Some((&op, rest)) = ops.split_first() {
        ops = rest;
        let len = ops.first().copied().unwrap_or(0) as usize % 64;
        let input = match op % 9 {
            0 | 1 => Input::Text(text(&take(&mut ops, len + 1))),
            2 => Input::Text(
                [
                    "hi",
                    "balance",
                    "123456",
                    "ada@example.com",
                    "agent",
                    "document",
                ][len % 6]
                    .into(),
            ),
            3 if !open.is_empty() => {
                let id = open.remove(len % open.len());
                let status = [200, 201, 404, 500, 0][len % 5];
                let body = text(&take(&mut ops, len + 1));
                Input::Response { id, status, body }
            }
            4 if !open.is_empty() => Input::NetworkError {
                id: open.remove(len % open.len()),
                error: "fuzzed".into(),
            },
            5 => {
                handles += 1;
                let head = take(&mut ops, 16);
                Input::File(FileIn {
                    handle: handles,
                    name: ["a.pdf", "b.png", "c.exe", "d"][len % 4].into(),
                    size: (len as u64) << (len % 23),
                    head,
                    caption: String::new(),
                })
            }
            6 => Input::Reset,
            7 => Input::TransferFailed,
            8 => Input::TransferAccepted,
            // An answer to an id that is not open: ignored by the session.
            _ => Input::Response {
                id: 9_999,
                status: 200,
                body: "{}".into(),
            },
        };
        let out = s.handle(input);
        bounded(&out);
        for o in &out {
            let id = match o {
                Output::Request(r) => r.id,
                Output::Upload(u) => u.id,
                _ => continue,
            };
            assert!(issued.insert(id), "request id {id} issued twice");
            open.push(id);
        }
        // A session is data: its snapshot survives JSON and restores to the same state;
        // after an odd op the conversation goes on with the restored session.
        let snapshot = s.snapshot();
        let text = serde_json::to_string(&snapshot).expect("a snapshot serialises");
        let back: chatlet_engine::Snapshot = serde_json::from_str(&text).expect("and reads back");
        let options = chatlet_engine::SessionOptions {
            forever: s.forever(),
            ..Default::default()
        };
        let restored = Session::restore(Arc::clone(&bot), back, options).expect("it restores");
        assert_eq!(
            restored.snapshot(),
            snapshot,
            "a restored session has the same state"
        );
        if op % 2 == 1 {
            s = restored;
        }
    }
}
