//! Findings as data: each bot file in `tests/findings/` comes with the findings loading
//! it must give, one per line in `NAME.findings` as `severity kind pointer (interaction)`
//! (the message is for people: these files pin what the finding is about and where).
//! `FINDINGS_WRITE=1 cargo test -p chatlet-engine --test findings` writes the files from
//! what the loader gives, for review.

use std::path::Path;

use chatlet_engine::{load, Finding};

fn line(f: &Finding) -> String {
    let pointer = if f.pointer.is_empty() {
        "/"
    } else {
        &f.pointer
    };
    let mut line = format!("{} {} {pointer}", f.severity.label(), f.kind.label());
    if let Some(who) = &f.interaction {
        line.push_str(&format!(" ({who})"));
    }
    line
}

#[test]
fn every_bot_file_gives_its_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/findings");
    let mut bots: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/findings")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    bots.sort();
    let write = std::env::var_os("FINDINGS_WRITE").is_some();
    let mut checked = 0;
    let mut failures = vec![];
    for bot in &bots {
        let text = std::fs::read_to_string(bot).unwrap();
        let findings = match load(&text) {
            Ok(bot) => bot.findings().to_vec(),
            Err(e) => e.findings,
        };
        let actual: Vec<String> = findings.iter().map(line).collect();
        let expected_path = bot.with_extension("findings");
        if write {
            let mut out = String::from("# severity kind pointer (interaction)\n");
            out.extend(actual.iter().map(|l| format!("{l}\n")));
            std::fs::write(&expected_path, out).unwrap();
        }
        let expected: Vec<String> = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no .findings file", bot.display()))
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        if actual != expected {
            failures.push(format!(
                "{}:\n  expected:\n    {}\n  actual:\n    {}",
                bot.display(),
                expected.join("\n    "),
                actual.join("\n    ")
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every file found was checked (a directory that fails to list would pass silently).
    assert_eq!(checked, bots.len());
    assert!(
        checked >= 5,
        "only {checked} bot files in {}",
        dir.display()
    );
}
