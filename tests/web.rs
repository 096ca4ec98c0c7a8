//! Browser tests: the widget mounted into an element the test owns, in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown`, see .cargo/config.toml). They type,
//! click and read the DOM like a visitor. Bots are given as `data:` URLs, fetched like
//! any bot file.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use chatlet_widget::embed::{self, MountOptions};
use chatlet_widget::strings::Strings;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

const DEMO_BOT: &str = include_str!("../www/demo-bot.json");

/// The demo bot without its greeting: these tests count messages from the visitor's first.
fn quiet_demo_bot() -> String {
    let quiet = DEMO_BOT.replace(r#", "greeting": "hi""#, "");
    assert_ne!(quiet, DEMO_BOT, "the demo bot greets");
    quiet
}
const NATIVE_SCRIPTS_BOT: &str = include_str!("transcripts/native-scripts/bot.json");

fn data_url(json: &str) -> String {
    format!(
        "data:application/json,{}",
        String::from(js_sys::encode_uri_component(json))
    )
}

fn mount(bot_json: &str) -> Element {
    mount_url(&data_url(bot_json))
}

/// The widget's English texts, as the loader hands them to `mount`.
fn english() -> Strings {
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../www/strings.json")).unwrap();
    let en = table["en"].as_object().unwrap();
    Strings::new(
        en.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect(),
    )
}

/// The bot reader as the loader gives it (a function of a promise of the reader's module,
/// which the loader imports): here a module whose `compile` is the engine this test is
/// built with, which compiles a plain file the same way.
fn reader() -> js_sys::Function {
    use chatlet_widget::engine::compiled;
    let compile = Closure::<dyn Fn(js_sys::Uint8Array) -> js_sys::Uint8Array>::new(
        |bytes: js_sys::Uint8Array| {
            let compiled = match chatlet_widget::engine::load_bytes(&bytes.to_vec()) {
                Ok(bot) => compiled::write(&bot),
                Err(e) => compiled::refusal(&e),
            };
            js_sys::Uint8Array::from(compiled.as_slice())
        },
    );
    let module = js_sys::Object::new();
    js_sys::Reflect::set(&module, &"compile".into(), &compile.into_js_value()).unwrap();
    let module = JsValue::from(module);
    let reader = Closure::<dyn Fn() -> JsValue>::new(move || module.clone());
    reader.into_js_value().unchecked_into()
}

/// Mounts a window for the bot at `url` in a new element, as the loader would (it
/// fetches the bot file and hands its bytes over, and compiles a plain one).
fn mount_url(url: &str) -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    // The window says when its bot is loaded (the text box takes text before that).
    let loaded =
        js_sys::Function::new_with_args("e", "e.currentTarget.setAttribute('data-test-ready', '')");
    root.add_event_listener_with_callback("chatlet:ready", &loaded)
        .unwrap();
    let load_bot = js_sys::Function::new_no_args(&format!(
        "return fetch({}).then((r) => {{ if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); }})",
        serde_json::to_string(url).unwrap()
    ));
    let options = MountOptions {
        host: root.clone(),
        bot_url: url.to_string(),
        load_bot,
        reader: Some(reader()),
        title: None,
        strings: Rc::new(english()),
        closable: false,
        on_close: None,
        variables: vec![("firstName".into(), serde_json::json!("Ada"))],
        host_info: Default::default(),
        glue: None,
        // No worker in these tests: the bots' code runs on the page's thread.
        code_on_page: true,
        persist: chatlet_widget::store::Persist::None,
        key: String::new(),
        idle_minutes: None,
        transfer_timeout: None,
        avatar: None,
    };
    // The window stays mounted for the rest of the test run.
    std::mem::forget(embed::mount_with(root.clone(), options));
    root
}

/// Waits for the widget's error alert and returns its text.
async fn alert_text(root: &Element) -> String {
    until("an error alert", || {
        root.query_selector("[role=alert]").unwrap().is_some()
    })
    .await;
    find::<Element>(root, "[role=alert]")
        .text_content()
        .unwrap()
}

/// Collects the `chatlet:error` events `root` dispatches.
fn errors(root: &Element) -> Rc<RefCell<Vec<serde_json::Value>>> {
    let seen = Rc::new(RefCell::new(vec![]));
    let sink = seen.clone();
    let listener = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
        let detail = js_sys::JSON::stringify(&e.detail())
            .unwrap()
            .as_string()
            .unwrap();
        sink.borrow_mut()
            .push(serde_json::from_str(&detail).unwrap());
    });
    root.add_event_listener_with_callback("chatlet:error", listener.as_ref().unchecked_ref())
        .unwrap();
    listener.forget();
    seen
}

/// Waits (up to 3 s, checking every 10 ms) until `ready` holds; fails with `what` otherwise.
async fn until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..300 {
        if ready() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let nodes = root.query_selector_all(selector).unwrap();
    (0..nodes.length())
        .map(|i| nodes.item(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

fn find<T: JsCast>(root: &Element, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap()
}

/// Waits for the bot to be loaded (`chatlet:ready`) and the text box to be enabled.
async fn ready(root: &Element) {
    until("the bot is loaded and the composer enabled", || {
        let input = root.query_selector(".chatlet-input").unwrap();
        root.has_attribute("data-test-ready")
            && input.is_some_and(|i| !i.unchecked_into::<HtmlInputElement>().disabled())
    })
    .await;
}

/// Types `text` and presses the send button.
fn type_and_send(root: &Element, text: &str) {
    find::<HtmlInputElement>(root, ".chatlet-input").set_value(text);
    find::<HtmlElement>(root, ".chatlet-send").click();
}

async fn wait_for_bot(root: &Element, count: usize) -> Vec<String> {
    until(&format!("{count} bot messages"), || {
        texts(root, ".chatlet-bot .chatlet-text").len() >= count
    })
    .await;
    texts(root, ".chatlet-bot .chatlet-text")
}

#[wasm_bindgen_test]
async fn a_visitor_chats_with_the_demo_bot() {
    let root = mount(&quiet_demo_bot());
    ready(&root).await;
    assert_eq!(
        find::<Element>(&root, ".chatlet-header h2")
            .text_content()
            .unwrap(),
        "Chatlet demo bank"
    );

    type_and_send(&root, "hello");
    let bot = wait_for_bot(&root, 2).await;
    assert_eq!(
        texts(&root, ".chatlet-visitor .chatlet-text"),
        vec!["hello"]
    );
    assert_eq!(bot[0], "Hi! I'm the Chatlet demo bot.");
    assert_eq!(
        find::<HtmlInputElement>(&root, ".chatlet-input").value(),
        "",
        "the input is cleared"
    );
    assert_eq!(
        texts(&root, ".chatlet-choice"),
        vec!["Check my balance", "Send a document", "Talk to a person"]
    );

    // Picking a choice sends it as the visitor's message; the question's buttons stay,
    // disabled, the chosen one marked.
    find::<HtmlElement>(&root, ".chatlet-choice").click();
    let bot = wait_for_bot(&root, 3).await;
    assert_eq!(bot[2], "What is your 6-digit account number?");
    assert_eq!(
        texts(&root, ".chatlet-visitor .chatlet-text")
            .last()
            .unwrap(),
        "Check my balance"
    );
    let buttons = root.query_selector_all(".chatlet-choice").unwrap();
    assert_eq!(buttons.length(), 3);
    for i in 0..buttons.length() {
        let b: HtmlElement = buttons.item(i).unwrap().dyn_into().unwrap();
        assert!(b.has_attribute("disabled"));
        let pressed = b.get_attribute("aria-pressed");
        assert_eq!(pressed.as_deref(), (i == 0).then_some("true"));
    }

    // The regex rule and the no-match rule.
    type_and_send(&root, "12ab");
    let bot = wait_for_bot(&root, 5).await;
    assert_eq!(
        bot[3],
        "An account number has exactly 6 digits, like 123456."
    );
    type_and_send(&root, "123456");
    wait_for_bot(&root, 6).await;
    // The Balance integration calls /api/balance on the page's origin. This test page
    // has no API behind it (the end-to-end tests run the demo API server), so the call
    // fails and the bot's failure rule answers.
    type_and_send(&root, "ada@example.com");
    let bot = wait_for_bot(&root, 7).await;
    assert!(
        bot[6].starts_with("Sorry, I couldn't get the balance for account 123456"),
        "{}",
        bot[6]
    );
    assert!(
        root.query_selector(".chatlet-typing:not([hidden])")
            .unwrap()
            .is_none(),
        "no typing indicator once the call has ended"
    );
}

/// Pre-process code: what it sends comes before the interaction's text; a session
/// variable lasts, a request variable is gone on the next message; global functions
/// keep their state for the conversation.
#[wasm_bindgen_test]
async fn code_blocks_send_first_and_variables_keep_their_scope() {
    let root = mount(NATIVE_SCRIPTS_BOT);
    ready(&root).await;
    type_and_send(&root, "set blue");
    let bot = wait_for_bot(&root, 2).await;
    assert_eq!(
        bot,
        ["Noted blue (turn 1).", "Now: session=blue turn=blue."]
    );
    type_and_send(&root, "show");
    let bot = wait_for_bot(&root, 4).await;
    assert_eq!(
        bot[2..],
        [
            "Read from code: blue/null (turn 2).",
            "Later: session=blue turn=."
        ]
    );
    type_and_send(&root, "broken");
    let bot = wait_for_bot(&root, 6).await;
    assert_eq!(
        bot[4..],
        ["before the error", "The flow goes on after a script error."]
    );
}

/// The demo bot speaks first: its greeting is sent for the visitor, unshown.
#[wasm_bindgen_test]
async fn the_demo_bot_greets() {
    let root = mount(DEMO_BOT);
    ready(&root).await;
    let bot = wait_for_bot(&root, 2).await;
    assert_eq!(bot[0], "Hi! I'm the Chatlet demo bot.");
    assert!(texts(&root, ".chatlet-visitor").is_empty());
}

#[wasm_bindgen_test]
async fn enter_sends_and_blank_input_does_not() {
    let root = mount(&quiet_demo_bot());
    ready(&root).await;
    type_and_send(&root, "   ");
    let input: HtmlInputElement = find(&root, ".chatlet-input");
    input.set_value("what's my balance");
    // Enter in the text field submits its form, as a keyboard user would.
    let form: web_sys::HtmlFormElement = find(&root, ".chatlet-composer");
    form.request_submit().unwrap();
    wait_for_bot(&root, 1).await;
    assert_eq!(
        texts(&root, ".chatlet-visitor .chatlet-text"),
        vec!["what's my balance"],
        "the blank message was not sent"
    );
}

#[wasm_bindgen_test]
async fn bot_markup_is_sanitized_and_visitor_text_is_text() {
    let bot = r#"{"name":"Markup","dialogs":[{"name":"X","patterns":["*"],"flow":[
        {"say":"<img src=x onerror=\"window.__pwned=1\"><b>bold?</b> <a href=\"javascript:alert(1)\">js</a> <a href=\"https://example.com/\">ok</a>"}]}]}"#;
    let root = mount(bot);
    ready(&root).await;
    type_and_send(&root, "<i>me</i>");
    let bot = wait_for_bot(&root, 1).await;
    assert_eq!(
        bot[0],
        "<img src=x onerror=\"window.__pwned=1\">bold? js ok"
    );
    // The allowed subset becomes elements; nothing else does.
    assert_eq!(texts(&root, ".chatlet-bot b"), vec!["bold?"]);
    assert!(root
        .query_selector(".chatlet-msg img, .chatlet-msg i")
        .unwrap()
        .is_none());
    let links = root.query_selector_all(".chatlet-bot a").unwrap();
    assert_eq!(links.length(), 2);
    let href = |i| {
        links
            .item(i)
            .unwrap()
            .unchecked_into::<Element>()
            .get_attribute("href")
    };
    assert_eq!(href(0), None, "a javascript: link gets no href");
    assert_eq!(href(1).as_deref(), Some("https://example.com/"));
    assert_eq!(
        texts(&root, ".chatlet-visitor .chatlet-text"),
        vec!["<i>me</i>"]
    );
    let pwned = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined());
}

/// A broken bot: visitors get a short message and a retry; the page gets the details
/// (what and where) in a `chatlet:error` event.
#[wasm_bindgen_test]
async fn a_broken_bot_says_what_and_where_to_the_page() {
    let root =
        mount(r#"{"dialogs":[{"name":"D","flow":[{"ask":"Q","rules":[{"regex":"(?=x)"}]}]}]}"#);
    let seen = errors(&root);
    let alert = alert_text(&root).await;
    assert_eq!(alert, "Sorry, this chat is not available right now.");
    assert!(root.query_selector(".chatlet-retry").unwrap().is_some());
    assert!(find::<HtmlInputElement>(&root, ".chatlet-input").disabled());
    until("the error event", || !seen.borrow().is_empty()).await;
    let detail = seen.borrow()[0].clone();
    assert_eq!(detail["kind"], "bot");
    let finding = &detail["findings"][0];
    assert_eq!(finding["pointer"], "/dialogs/0/flow/0/rules/0/regex");
    assert!(
        finding["message"].as_str().unwrap().contains("look-ahead"),
        "{detail}"
    );
}

/// Regular expressions keep JavaScript's meaning in the browser too, where the upper case
/// that `i` compares by is the browser's own.
#[wasm_bindgen_test]
async fn regular_expressions_mean_what_they_mean_in_javascript() {
    let root = mount(
        r#"{"dialogs":[{"name":"D","patterns":["go"],"flow":[{"ask":"Q","rules":[
            {"regex":"^straße$","flags":"i","then":"hit"},
            {"regex":"^s+$","flags":"i","then":"hit"},
            {"regex":"^.$","flags":"u","then":"hit"},
            {"noMatch":"no","then":"repeat"}]},
            {"say":"yes","name":"hit","then":"stop"}]}]}"#,
    );
    ready(&root).await;
    let mut count = 0;
    for (text, answer) in [
        ("go", "Q"),
        ("STRAßE", "yes"),
        ("go", "Q"),
        ("STRASSE", "no"), // ß is not SS: its upper case is two letters
        ("ſſ", "no"),      // without u, no letter beyond ASCII stands for s
        ("Ss", "yes"),
        ("go", "Q"),
        ("😀", "yes"), // one character with u
    ] {
        type_and_send(&root, text);
        count += if answer == "no" { 2 } else { 1 };
        let bot = wait_for_bot(&root, count).await;
        let said = &bot[count - if answer == "no" { 2 } else { 1 }];
        assert_eq!(said, answer, "{text}: {bot:?}");
    }
}

#[wasm_bindgen_test]
async fn a_missing_bot_file_is_reported_to_the_page() {
    let root = mount_url("/no-such-bot.json");
    let seen = errors(&root);
    alert_text(&root).await;
    until("the error event", || !seen.borrow().is_empty()).await;
    let message = seen.borrow()[0]["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("/no-such-bot.json could not be fetched (Error: HTTP 404)"),
        "{message}"
    );
}

/// Variables from the page (here the mount options') are read by the bot's templates.
#[wasm_bindgen_test]
async fn the_page_variables_reach_the_bot() {
    let bot = r#"{"name":"Vars","dialogs":[{"name":"X","patterns":["*"],"flow":[
        {"say":"Hello {$botContext.firstName}."}]}]}"#;
    let root = mount(bot);
    ready(&root).await;
    type_and_send(&root, "hi");
    assert_eq!(wait_for_bot(&root, 1).await, ["Hello Ada."]);
}

/// Bot code that submits the widget's own form while its turn runs: the message waits
/// for the turn to end (it used to re-enter the session and abort every widget).
#[wasm_bindgen_test]
async fn bot_code_that_sends_a_message_during_its_turn_is_queued() {
    let bot = r#"{"name":"Reentry","dialogs":[
        {"name":"Click","patterns":["click"],"flow":[{"say":"Clicked.","pre":[
            "var form = document.querySelector('#reentry .chatlet-composer');",
            "form.querySelector('.chatlet-input').value = 'after';",
            "form.requestSubmit();"]}]},
        {"name":"Other","fallback":true,"flow":[{"say":"You said: {$query}"}]}]}"#;
    let root = mount(bot);
    root.set_id("reentry");
    // Sent once the bot is loaded, so the turn starts from the send button's own event.
    until("the bot is loaded", || {
        texts(&root, ".chatlet-title") == ["Reentry"]
    })
    .await;
    type_and_send(&root, "click");
    assert_eq!(
        wait_for_bot(&root, 2).await,
        ["Clicked.", "You said: after"]
    );
    assert_eq!(
        texts(&root, ".chatlet-visitor .chatlet-text"),
        ["click", "after"]
    );
}

const SCRIPTS_BOT: &str = include_str!("transcripts/cb-scripts/bot.json");
const BALANCE_BOT: &str = include_str!("transcripts/cb-account-balance/bot.json");

/// The same CB bot as `tests/transcripts/cb-scripts`, its code run by the browser's engine.
#[wasm_bindgen_test]
async fn bot_javascript_runs_in_the_page() {
    // The bot speaks first: its greeting (getStartedButtonPayload "hi") starts it.
    let root = mount(SCRIPTS_BOT);
    ready(&root).await;
    let bot = wait_for_bot(&root, 3).await;
    assert!(texts(&root, ".chatlet-visitor").is_empty());
    assert_eq!(
        bot,
        [
            "(a note sent from code comes first)",
            "Hello! This conversation was started by init on channel web/lp_web.",
            "Path so far: welcome",
        ]
    );
    // A block that throws does not stop the flow; sendImmediateReply stops it.
    type_and_send(&root, "break now");
    let bot = wait_for_bot(&root, 5).await;
    assert_eq!(
        bot[3..],
        [
            "The flow goes on after a script error (set before the error).",
            "Stopping right here."
        ]
    );
    // Process-user-response code with evaluateOptions and a trigger.
    type_and_send(&root, "menu");
    wait_for_bot(&root, 6).await;
    type_and_send(&root, "b");
    let bot = wait_for_bot(&root, 7).await;
    assert_eq!(bot[6], "Austin it is. Path: welcome,menu");
    // The bot's globals stay out of the page's global scope.
    let window = web_sys::window().unwrap();
    assert!(js_sys::Reflect::get(&window, &"trail".into())
        .unwrap()
        .is_undefined());
}

/// Runs the balance dialog of `bot` for `account` and returns the bot's three messages.
async fn balance_dialog(bot: &str, account: &str) -> Vec<String> {
    let root = mount(bot);
    ready(&root).await;
    // The bot's greeting first (it speaks first).
    let greeted = wait_for_bot(&root, 1).await.len();
    type_and_send(&root, "balance");
    wait_for_bot(&root, greeted + 1).await;
    type_and_send(&root, account);
    wait_for_bot(&root, greeted + 2).await;
    type_and_send(&root, "ada@example.com");
    wait_for_bot(&root, greeted + 3).await.split_off(greeted)
}

/// An integration call made with the browser's fetch; its answer fills `{Balance.balance}`.
/// (A `data:` URL stands in for the API; the engine's query string lands in its fragment.)
#[wasm_bindgen_test]
async fn integrations_are_fetched_by_the_browser() {
    let api = r#"data:application/json,{\"accountBalance\": 99.5, \"currency\": \"NOK\"}#"#;
    let bot = BALANCE_BOT.replace("https://api.firstbank.example/v1/balance", api);
    let bot = balance_dialog(&bot, "123456").await;
    assert_eq!(bot[2], "The balance of account 123456 is 99.5 NOK.");

    // A failing call takes the bot's failure rule.
    let broken = BALANCE_BOT.replace(
        "https://api.firstbank.example/v1/balance",
        "http://127.0.0.1:9/unreachable",
    );
    let bot = balance_dialog(&broken, "654321").await;
    assert!(
        bot[2].starts_with("Sorry, I couldn't get the balance for account 654321"),
        "{}",
        bot[2]
    );
}
