//! Bot code that tries to take the command line down (issue 27): nesting of every kind
//! at ten times the depth that once overflowed the stack, nesting built at run time,
//! deep values handed to `JSON.stringify`, `String` and `botContext`, memory (doubling a
//! string, arrays, values handed to `botContext`) and runaway loops. Each runs in the
//! `chatlet` binary as users run it, and must end as a script error that names its block
//! and the limit, with the flow going on: no crash, in a few seconds, under 1 GB. (Before
//! the change to QuickJS, the first of them aborted the binary with exit 134.)
//!
//! Code that nests too deep where it is written is refused when the bot loads, so
//! `chatlet check` lists it and `test`, `chat` and `scripts` refuse the bot with its
//! findings; the code here builds its nesting at run time (`eval`, `Function`) to reach
//! the limits of the JavaScript engine itself.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of the binary gave.
struct Run {
    code: i32,
    out: String,
    err: String,
    took: Duration,
    /// Peak resident memory, in bytes.
    peak: u64,
}

/// Runs `chatlet ARGS` with `stdin`, measuring its time and its peak resident memory
/// (`wait4`'s `ru_maxrss`: the child's own, not this process's).
// The child is waited for with `wait4`, which std's `Child` does not know of.
#[allow(clippy::zombie_processes)]
fn chatlet(args: &[&str], stdin: &str) -> Run {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatlet"))
        .args(args)
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).unwrap();
            text
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the child is ours and not yet waited for; both pointers are to live locals.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4");
    let took = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        // Killed by a signal (SIGABRT on a stack overflow): 128 + the signal, as a shell says.
        128 + libc::WTERMSIG(status)
    };
    Run {
        code,
        out: out.join().unwrap(),
        err: err.join().unwrap(),
        took,
        peak: usage.ru_maxrss as u64 * 1024,
    }
}

fn scratch(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("chatlet-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A block of hostile code and the limit its error must name (one of these words; none:
/// the block runs without error).
struct Shape {
    name: &'static str,
    code: String,
    limit: &'static [&'static str],
}

const STACK: &[&str] = &["of stack"];
const MEMORY: &[&str] = &["of memory"];

fn shape(name: &'static str, limit: &'static [&'static str], code: impl Into<String>) -> Shape {
    Shape {
        name,
        code: code.into(),
        limit,
    }
}

/// A deep array built in a loop (no nesting in the code), then `then`.
fn deep_array(depth: u32, then: &str) -> String {
    format!("var a = []; for (var i = 0; i < {depth}; i++) {{ a = [a]; }}\n{then}")
}

/// Every hostile shape, at ten times the depth at which it once aborted the command line
/// (issue 27's table), the others at depths far past any stack.
fn shapes() -> Vec<Shape> {
    vec![
        shape("bangs", STACK, "eval('!'.repeat(105460) + '1');"),
        shape("ifs", STACK, "eval('if(1)'.repeat(89840) + '{}');"),
        // Where the stack runs out in an arrow's lookahead, QuickJS reports a syntax error.
        shape(
            "arrows",
            &["of stack", "SyntaxError"],
            "Function('return ' + '()=>'.repeat(144520) + '1')();",
        ),
        shape("brackets", STACK, "eval('['.repeat(12200));"),
        shape(
            "deep stringify",
            STACK,
            deep_array(390620, "JSON.stringify(a);"),
        ),
        shape(
            "deep variable",
            STACK,
            deep_array(
                390620,
                "botContext.setBotVariable('deep', a, false, false);",
            ),
        ),
        shape(
            "deep but not as deep",
            &["more than 127 deep"],
            deep_array(1000, "botContext.setBotVariable('deep', a, false, false);"),
        ),
        shape("deep string", STACK, deep_array(390620, "String(a);")),
        shape("typeofs", STACK, "eval('typeof '.repeat(100000) + '1');"),
        shape("minuses", STACK, "eval('- '.repeat(100000) + '1');"),
        shape(
            "assignments",
            STACK,
            "var x; eval('x='.repeat(100000) + '1');",
        ),
        shape("ternaries", STACK, "eval('1?1:'.repeat(100000) + '1');"),
        shape(
            "else ifs",
            STACK,
            "eval('if(0){}else '.repeat(100000) + '{}');",
        ),
        shape(
            "labels",
            STACK,
            "var l = ''; for (var i = 0; i < 20000; i++) { l += 'l' + i + ':'; } eval(l + ';');",
        ),
        // Strings are ropes: doubling is cheap until the longest string there may be.
        shape(
            "memory doubling",
            &["string too long"],
            "var s = 'x'; for (var i = 0; i < 30; i++) { s = s + s; }",
        ),
        shape(
            "doubling read",
            MEMORY,
            "var s = 'x'; for (var i = 0; i < 29; i++) { s = s + s; } s.indexOf('y');",
        ),
        shape(
            "arrays",
            MEMORY,
            "var a = []; for (;;) { a.push(new Array(1e6).fill(1)); }",
        ),
        shape(
            "handed to botContext",
            &["MiB of values"],
            "var m = 'x'.repeat(1 << 20);\n\
             for (var i = 0; ; i++) { botContext.setBotVariable('v' + i, m, false, false); }",
        ),
        shape("runaway loop", &["ran longer"], "while (true) {}"),
        // A list does not nest: it runs.
        shape("commas", &[], "eval('1,'.repeat(100000) + '1');"),
        shape(
            "backtracking",
            &["ran longer"],
            "/^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab');",
        ),
    ]
}

/// A bot whose one interaction runs `code` before it speaks, and goes on after it.
fn bot(shape: &Shape) -> String {
    serde_json::json!({
        "chatlet": 1,
        "name": "Hostile",
        "dialogs": [{
            "name": "Go",
            "patterns": ["go"],
            "flow": [
                {"name": shape.name, "pre": shape.code, "say": "Still here."},
                {"say": "And on."}
            ]
        }]
    })
    .to_string()
}

/// Generous: the block's 2 s budget twice over per block, and the binary's start.
const BOUND: Duration = Duration::from_secs(20);
const GB: u64 = 1 << 30;

fn assert_contained(run: &Run, what: &str) {
    assert!(
        ![134, 139].contains(&run.code),
        "{what}: crashed with {} after {:?}\n{}",
        run.code,
        run.took,
        run.err
    );
    assert!(run.took < BOUND, "{what}: took {:?}", run.took);
    assert!(run.peak < GB, "{what}: peak memory {} MB", run.peak >> 20);
}

/// Each shape, twice in one conversation (the realm after a stopped block still works),
/// through `chatlet test`: the transcript passes and both blocks are script errors
/// naming the block and the limit.
#[test]
fn hostile_code_is_a_script_error_in_test_and_the_flow_goes_on() {
    let transcript = scratch(
        "twice.transcript",
        "> go\n< Still here.\n< And on.\n> go\n< Still here.\n< And on.\n",
    );
    let mut failures = vec![];
    for shape in shapes() {
        let bot = scratch(
            &format!("{}.json", shape.name.replace(' ', "-")),
            &bot(&shape),
        );
        let run = chatlet(&["test", &bot, &transcript, "--debug"], "");
        assert_contained(&run, shape.name);
        eprintln!("{}: {:?}, {} MB", shape.name, run.took, run.peak >> 20);
        let error = format!("script error in the pre-process code of {:?}: ", shape.name);
        let errors: Vec<&str> = run.err.lines().filter(|l| l.contains(&error)).collect();
        let expected = if shape.limit.is_empty() { 0 } else { 2 };
        if run.code != 0
            || errors.len() != expected
            || !errors
                .iter()
                .all(|e| shape.limit.iter().any(|word| e.contains(word)))
        {
            failures.push(format!(
                "{} (exit {}): expected {expected} script errors naming {:?}\n{}{}",
                shape.name, run.code, shape.limit, run.out, run.err
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `chatlet chat` on the same blocks: the visitor sees the conversation go on.
#[test]
fn hostile_code_is_a_script_error_in_chat() {
    for shape in shapes()
        .into_iter()
        .filter(|s| ["bangs", "deep variable", "arrays", "runaway loop"].contains(&s.name))
    {
        let bot = scratch(
            &format!("chat-{}.json", shape.name.replace(' ', "-")),
            &bot(&shape),
        );
        let run = chatlet(&["chat", &bot, "--debug"], "go\ngo\n");
        assert_contained(&run, shape.name);
        assert_eq!(run.code, 0, "{}: {}", shape.name, run.err);
        assert_eq!(
            run.out, "< Still here.\n< And on.\n< Still here.\n< And on.\n",
            "{}",
            shape.name
        );
        assert_eq!(
            run.err
                .matches("debug: script error in the pre-process code of")
                .count(),
            2,
            "{}: {}",
            shape.name,
            run.err
        );
    }
}

/// The shapes written out in the bot (no `eval`), each in an interaction of its own.
fn written_out() -> Vec<(&'static str, String)> {
    vec![
        ("bangs", format!("var x = {}1;", "!".repeat(105460))),
        ("ifs", format!("{}{{}}", "if(1)".repeat(89840))),
        ("arrows", format!("var f = {}1;", "()=>".repeat(144520))),
        ("typeofs", format!("var x = {}1;", "typeof ".repeat(100000))),
        ("minuses", format!("var x = {}1;", "- ".repeat(100000))),
        ("assignments", format!("var x; {}1;", "x=".repeat(100000))),
        ("ternaries", format!("var x = {}1;", "1?1:".repeat(100000))),
        ("else ifs", format!("{}{{}}", "if(0){}else ".repeat(100000))),
        (
            "labels",
            (0..20000).map(|i| format!("l{i}:")).collect::<String>() + ";",
        ),
        ("brackets", "[".repeat(12200)),
    ]
}

/// Written out in the bot, the shapes are found when it loads: `chatlet check` names
/// each interaction, and `test`, `chat` and `scripts` refuse the bot with those findings
/// instead of crashing on it.
#[test]
fn nesting_written_out_is_found_at_load_time() {
    let flow: Vec<_> = written_out()
        .into_iter()
        .map(|(name, code)| serde_json::json!({"name": name, "pre": code, "say": "Hi."}))
        .collect();
    let bot = serde_json::json!({
        "chatlet": 1,
        "name": "Written out",
        "dialogs": [{"name": "Go", "patterns": ["go"], "flow": flow}]
    });
    let bot = scratch("written-out.json", &bot.to_string());
    let transcript = scratch("hi.transcript", "> go\n< Hi.\n");

    let check = chatlet(&["check", &bot], "");
    assert_contained(&check, "check");
    assert_eq!(check.code, 1, "{}", check.out);
    for (i, (name, _)) in written_out().iter().enumerate() {
        let line = format!("error: /dialogs/0/flow/{i}/pre ({name:?}): code nests");
        assert!(check.out.contains(&line), "{line}\n{}", check.out);
    }
    for args in [
        vec!["test", &bot, &transcript],
        vec!["chat", &bot],
        vec!["scripts", &bot],
    ] {
        let run = chatlet(&args, "go\n");
        assert_contained(&run, args[0]);
        assert_eq!(run.code, 2, "{}: {}{}", args[0], run.out, run.err);
        assert!(run.err.contains("does not load"), "{}", run.err);
        assert!(run.err.contains("(\"ternaries\")"), "{}", run.err);
    }
}
