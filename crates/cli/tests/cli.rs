//! The `chatlet` binary as users run it: exit codes, the closing line, `check`, `chat`.

use std::io::Write;
use std::process::{Command, Stdio};

fn chatlet(args: &[&str], stdin: &str) -> (i32, String, String) {
    chatlet_bytes(args, stdin.as_bytes())
}

fn chatlet_bytes(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatlet"))
        .args(args)
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn scratch(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("chatlet-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn test_reports_pass_and_fail_with_closing_line() {
    let good = "tests/transcripts/demo-bot/balance.transcript";
    let bad = scratch("bad.transcript", "> hi\n< Something else entirely\n");
    let (code, out, _) = chatlet(&["test", "www/demo-bot.json", good, &bad], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("ok - {good}")), "{out}");
    assert!(
        out.contains(
            "expected `< Something else entirely`, the bot said `< Hi! I'm the Chatlet demo bot.`"
        ),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("1 passed, 1 failed"));

    let (code, out, _) = chatlet(&["test", "www/demo-bot.json", good], "");
    assert_eq!((code, out.lines().last()), (0, Some("1 passed, 0 failed")));
}

#[test]
fn missing_bot_lines_are_failures() {
    let short = scratch(
        "short.transcript",
        "> hi\n< Hi! I'm the Chatlet demo bot.\n",
    );
    let (code, out, _) = chatlet(&["test", "www/demo-bot.json", &short], "");
    assert_eq!(code, 1);
    assert!(
        out.contains("the bot also said `< I can check an account balance"),
        "{out}"
    );
}

#[test]
fn check_lists_errors_with_pointer_and_name() {
    let bot = scratch(
        "broken.json",
        r#"{"dialogs":[{"name":"D","flow":[{"ask":"Q?","name":"q","rules":[{"regex":"(?<=a)b"},{"then":"nowhere"}]},{"sya":"typo"}]}]}"#,
    );
    let (code, out, _) = chatlet(&["check", &bot], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(r#"error: /dialogs/0/flow/0/rules/0/regex ("q"): regular expression "(?<=a)b" uses a look-behind"#), "{out}");
    assert!(
        out.contains(r#"error: /dialogs/0/flow/0/rules/1/then ("q"): "nowhere" is not an action"#),
        "{out}"
    );
    assert!(
        out.contains(r#"error: /dialogs/0/flow/1/sya ("D 2"): unknown key "sya""#),
        "{out}"
    );
    assert!(out.ends_with(": 4 errors\n"), "{out}");

    let (code, out, _) = chatlet(&["check", "www/demo-bot.json"], "");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ok: 12 dialogs, 28 interactions; 0 unsupported, 0 warnings"),
        "{out}"
    );
}

#[test]
fn check_warns_of_code_that_does_not_parse() {
    let bot = scratch(
        "typo.json",
        r#"{"dialogs":[{"name":"D","patterns":["hi"],"flow":[{"say":"a","pre":"var a = 1;\nvar b = ;"},{"say":"b","post":["if (a) {","}"]}]}]}"#,
    );
    let (code, out, _) = chatlet(&["check", &bot], "");
    assert_eq!(
        code, 0,
        "a warning, not an error: the bot loads and runs: {out}"
    );
    assert!(
        out.contains(
            r#"warning: /dialogs/0/flow/0/pre ("D 1"): the code does not parse (SyntaxError: "#
        ) && out.contains(", line 2 column 9); running it is a script error"),
        "{out}"
    );
    assert!(
        !out.contains("flow/1/post"),
        "code that parses is not listed: {out}"
    );
    assert!(out.contains("0 unsupported, 1 warnings"), "{out}");
}

#[test]
fn check_refuses_a_universal_tile() {
    let tile = scratch("tile.json", r#"{"type":"vertical","elements":[]}"#);
    let (code, out, _) = chatlet(&["check", &tile], "");
    assert_eq!(code, 1);
    assert!(
        out.contains("universal tile (rich content), not a bot"),
        "{out}"
    );
}

#[test]
fn chat_prints_lines_records_and_speaks_json() {
    let record =
        std::env::temp_dir().join(format!("chatlet-cli-{}-rec.transcript", std::process::id()));
    let record = record.to_string_lossy().into_owned();
    let (code, out, _) = chatlet(
        &["chat", "www/demo-bot.json", "--record", &record],
        "hi\nbalance\n",
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("< Hi! I'm the Chatlet demo bot.\n"),
        "{out}"
    );
    assert!(
        out.ends_with("< What is your 6-digit account number?\n"),
        "{out}"
    );
    let recorded = std::fs::read_to_string(&record).unwrap();
    assert!(recorded.starts_with("> hi\n< Hi!"), "{recorded}");
    // The recording replays.
    let (code, out, _) = chatlet(&["test", "www/demo-bot.json", &record], "");
    assert_eq!(code, 0, "{out}");

    let (_, out, _) = chatlet(&["chat", "www/demo-bot.json", "--json"], "balance\n");
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    // The engine's event, as serde writes it: the variant names the object.
    assert_eq!(v["text"]["text"], "What is your 6-digit account number?");
}

#[test]
fn bad_usage_exits_2_with_the_usage() {
    for args in [
        &["frobnicate"][..],
        &["--bogus"],
        &["check", "--bogus", "www/demo-bot.json"],
        &[
            "test",
            "www/demo-bot.json",
            "--bogus",
            "tests/transcripts/demo-bot/balance.transcript",
        ],
        &["test", "www/demo-bot.json"],
        &["chat"],
        &["scripts", "www/demo-bot.json", "--out"],
    ] {
        let (code, out, err) = chatlet(args, "");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    let (_, _, err) = chatlet(&["--bogus"], "");
    assert!(err.contains("Usage: chatlet <COMMAND>"), "{err}");
    let (code, out, _) = chatlet(&["test", "--help"], "");
    assert_eq!(code, 0);
    assert!(out.contains("--network"), "{out}");
    let (code, out, _) = chatlet(&["--version"], "");
    assert_eq!(
        (code, out.trim()),
        (0, concat!("chatlet ", env!("CARGO_PKG_VERSION")))
    );
}

/// `chatlet test` does not call the network unless asked: a call without a stub fails
/// the transcript, naming the integration.
#[test]
fn test_refuses_unstubbed_calls_without_network() {
    let transcript = scratch(
        "unstubbed.transcript",
        "> balance\n< What is your 6-digit account number?\n> 123456\n< And the email address on the account?\n> ada@example.com\n< whatever\n",
    );
    let (code, out, _) = chatlet(&["test", "www/demo-bot.json", &transcript], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no @stub for Balance"), "{out}");
}

#[test]
fn check_reads_a_cb_export_and_lists_unsupported_features() {
    let (code, out, _) = chatlet(&["check", "tests/transcripts/cb-coffee/bot.json"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(r#"unsupported: /conversationMessage/9/intentId ("help starter"): intent starters need NLU"#), "{out}");
    assert!(out.contains(r#"unsupported: /conversationMessage/2/quickReplies/2 ("want to order?"): "location" quick replies are not supported"#), "{out}");
    assert!(out.contains(r#"warning: /conversationMessage/6/responseMatches/3/action/value ("which drink?"): target interaction "ffffffffffffffffffffffffffffffffffffffff" does not exist"#), "{out}");
    assert!(
        out.ends_with("ok: 4 dialogs, 13 interactions; 2 unsupported, 1 warnings\n"),
        "{out}"
    );
}

#[test]
fn check_names_dangling_triggers_and_unknown_script_calls() {
    let (code, out, _) = chatlet(&["check", "tests/transcripts/cb-scripts/bot.json"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(r#"warning: /conversationMessage/0/preProcessMessage ("welcome starter"): setTriggerNextMessage("Welcome Back"): no interaction has that name"#), "{out}");
    assert!(out.ends_with("0 unsupported, 2 warnings\n"), "{out}");

    let code_calls = r#"{"bot": {"id": "b"}, "groups": [{"id": "g", "name": "G"}],
        "conversationMessage": [{"id": "i", "name": "hello", "group": "g",
          "interactionType": "TEXT", "preProcessMessage": "botContext.askMaven(); botContext.getBotVariable('x');",
          "content": {"results": {"tile": {"tileData": [{"text": "at {$location.city}"}]}}},
          "responseMatches": []}]}"#;
    let path = scratch("calls.json", code_calls);
    let (code, out, _) = chatlet(&["check", &path], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(r#"unsupported: /conversationMessage/0/preProcessMessage ("hello"): botContext.askMaven() is not available in Chatlet"#), "{out}");
    assert!(out.contains(r#"unsupported: /conversationMessage/0/content/results/tile/tileData/0/text ("hello"): {$location.city} is not supported"#), "{out}");
    assert!(!out.contains("getBotVariable"), "{out}");
}

#[test]
fn chat_performs_stubbed_calls_and_json_shows_requests() {
    let input = "@stub Balance 200 {\"accountBalance\": 5, \"currency\": \"EUR\"}\nbalance\n123456\nada@example.com\n";
    let (code, out, _) = chatlet(
        &[
            "chat",
            "tests/transcripts/cb-account-balance/bot.json",
            "--json",
        ],
        input,
    );
    assert_eq!(code, 0);
    assert!(out.contains(r#"{"request":{"id":1,"integration":"Balance","method":"GET","url":"https://api.firstbank.example/v1/balance?account=123456&email=ada%40example.com""#), "{out}");
    assert!(
        out.contains(r#"{"text":{"text":"The balance of account 123456 is 5 EUR."}}"#),
        "{out}"
    );
}

#[test]
fn scripts_writes_the_precompiled_file_and_refuses_code_that_does_not_parse() {
    let out_file = std::env::temp_dir().join(format!("chatlet-cli-{}-demo.js", std::process::id()));
    let out_path = out_file.to_string_lossy().into_owned();
    let (code, _, err) = chatlet(&["scripts", "www/demo-bot.json", "--out", &out_path], "");
    assert_eq!(code, 0, "{err}");
    let js = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        js.starts_with("// Generated by `chatlet scripts` from www/demo-bot.json"),
        "{js}"
    );
    assert!(
        js.contains("(window.chatletScripts = window.chatletScripts || {})["),
        "{js}"
    );
    assert!(
        js.contains(
            "\"handoff note/pre\": function () {\nvar asked = botContext.getCurrentUserMessage();"
        ),
        "{js}"
    );
    assert!(js.contains("function summary(text) {"), "{js}");
    assert!(err.contains("blocks, fingerprint "), "{err}");

    let broken = r#"{"dialogs": [{"name": "D", "patterns": ["*"], "flow": [
        {"say": "hi", "name": "greet", "pre": "var x = ;"},
        {"say": "bye", "name": "escape", "post": "}); window.evil(); (function () {"}]}]}"#;
    let path = scratch("broken-code.json", broken);
    let (code, out, err) = chatlet(&["scripts", &path], "");
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty(), "nothing is written: {out}");
    assert!(
        err.contains("code that does not parse cannot be precompiled"),
        "{err}"
    );
    assert!(err.contains("greet/pre: "), "{err}");
    assert!(err.contains("escape/post: "), "{err}");
}

/// A server's answer that is not UTF-8 reaches the bot with replacement characters, as the
/// browser's `Response.text()` gives it to the widget (it used to fail the call here).
#[test]
fn a_response_that_is_not_utf8_is_decoded_as_the_browser_does() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let body = b"caf\xe9 \xff!";
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
    });
    let bot = scratch(
        "latin1.json",
        &format!(
            r#"{{"integrations": {{"Old": {{"url": "http://127.0.0.1:{port}/menu"}}}},
            "dialogs": [{{"name": "D", "patterns": ["*"], "flow": [
                {{"call": "Old", "rules": [{{"result": "success", "then": "ok"}}, {{"result": "failure", "then": "no"}}]}},
                {{"say": "got {{$botContext.api_OldStatus}}", "name": "ok", "then": "stop"}},
                {{"say": "failed", "name": "no"}}]}}]}}"#
        ),
    );
    let (code, out, err) = chatlet(&["chat", &bot], "menu\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("< got 200"), "{out}");
}

/// Spec §4.1: `check` warns when a slot read falls back to a variable, naming the rule
/// that sets it.
#[test]
fn check_warns_about_slot_reads_that_read_variables() {
    let (code, out, _) = chatlet(&["check", "tests/transcripts/cb-slot-reads/bot.json"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(r#"warning: /conversationMessage/3/responseMatches/0 ("ask account"): {$botContext.slot.accountNumber} is read but no rule fills a slot "accountNumber": it reads the variable "accountNumber", which rule 1 of "ask account" sets"#), "{out}");
    let (_, out, _) = chatlet(
        &["check", "tests/transcripts/cb-account-balance/bot.json"],
        "",
    );
    assert!(
        !out.contains("slot"),
        "a bot that fills its slots gets no such warning: {out}"
    );
}

/// Standard input that is not UTF-8 does not end the conversation (nor lose the record),
/// and control characters from the bot or the visitor never reach the terminal as such.
#[test]
fn chat_survives_bad_bytes_and_shows_control_characters_harmlessly() {
    let bot = scratch(
        "echo.json",
        r#"{"dialogs":[{"name":"Echo","patterns":["*"],"flow":[{"say":"You said: {$query}"}]}]}"#,
    );
    let record =
        std::env::temp_dir().join(format!("chatlet-cli-{}-bad.transcript", std::process::id()));
    let record = record.to_string_lossy().into_owned();
    let (code, out, err) = chatlet_bytes(
        &["chat", &bot, "--record", &record],
        b"caf\xe9\nred \x1b[31malert\x07\nbye\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("< You said: caf\u{fffd}\n"), "{out}");
    assert!(
        out.contains("< You said: red \\u{1b}[31malert\\u{7}\n"),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    assert!(out.contains("< You said: bye"), "{out}");
    let recorded = std::fs::read_to_string(&record).unwrap();
    assert!(recorded.contains("> bye\n< You said: bye"), "{recorded}");
}

#[test]
fn chat_state_resumes_a_conversation_in_another_process() {
    let state = std::env::temp_dir().join(format!("chatlet-cli-{}-state.json", std::process::id()));
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_string_lossy().into_owned();
    let args = ["chat", "www/demo-bot.json", "--state", &state_arg];
    let (code, out, err) = chatlet(&args, "balance\n123456\n");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.ends_with("< And the email address on the account?\n"),
        "{out}"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["snapshot"]["schema"], 1);
    // A new process goes on with the email question, the account number kept.
    let stub = "@stub Balance 200 {\"accountBalance\": 12.5, \"currency\": \"EUR\"}\n";
    let (code, out, err) = chatlet(&args, &format!("{stub}@show requests\nada@example.com\n"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("account=123456"), "{out}");
    assert!(out.contains("12.5"), "{out}");
    // A file that is not a saved conversation: said, and a new conversation starts.
    std::fs::write(&state, "{\"snapshot\": 1").unwrap();
    let (code, out, err) = chatlet(&args, "hi\n");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("not a saved conversation"), "{err}");
    assert!(out.contains("Hi! I'm the Chatlet demo bot."), "{out}");
    let _ = std::fs::remove_file(&state);
}

#[test]
fn test_restore_each_turn_replays_through_saved_sessions() {
    let good = "tests/transcripts/demo-bot/balance.transcript";
    let (code, out, _) = chatlet(
        &["test", "www/demo-bot.json", good, "--restore-each-turn"],
        "",
    );
    assert_eq!(
        (code, out.lines().last()),
        (0, Some("1 passed, 0 failed")),
        "{out}"
    );
}

#[test]
fn compile_writes_a_bot_the_other_commands_run_and_refuses_a_broken_one() {
    let out = scratch("demo.chatlet", "");
    let (code, _, err) = chatlet(&["compile", "www/demo-bot.json", "-o", &out], "");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("bytes (17259 in the plain file)"), "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\0chatlet"));
    let (code, listed, _) = chatlet(&["check", &out], "");
    assert_eq!(code, 0, "{listed}");
    assert!(listed.contains("ok: 12 dialogs"), "{listed}");
    let (code, said, _) = chatlet(&["chat", &out], "hi\nbalance\n12345\n");
    assert_eq!(code, 0);
    let (_, plain_said, _) = chatlet(&["chat", "www/demo-bot.json"], "hi\nbalance\n12345\n");
    assert!(said.contains("account number"), "{said}");
    assert_eq!(
        said, plain_said,
        "the compiled bot answers as the plain file does"
    );
    // Compiled twice, a bot with errors, a damaged file.
    let (code, _, err) = chatlet(&["compile", &out], "");
    assert_eq!(code, 2);
    assert!(err.contains("is compiled already"), "{err}");
    let broken = scratch(
        "broken.json",
        r#"{"dialogs":[{"name":"D","flow":[{"say":"a","then":"nowhere"}],"oops":1}]}"#,
    );
    let (code, _, err) = chatlet(&["compile", &broken, "-o", &out], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown key") && err.contains("not compiled"),
        "{err}"
    );
    let damaged = scratch("damaged.chatlet", "");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let (code, listed, _) = chatlet(&["check", &damaged], "");
    assert_eq!(code, 1);
    assert!(
        listed.contains("the compiled bot does not read"),
        "{listed}"
    );
}
