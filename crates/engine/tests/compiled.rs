//! The compiled layout is a contract with every compiled bot already deployed: this bot's
//! compiled bytes are checked in, and any change to them (the model, its serde shape, an
//! expression's translation, the engine's version) fails here until `compiled::FORMAT`
//! is raised, so that a widget of one layout never misreads another's file. With
//! `CHATLET_BLESS=1` the test writes the file for the current FORMAT.

use std::path::Path;

use chatlet_engine::compiled;

#[test]
fn the_compiled_layout_changes_only_with_its_format() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compiled");
    let plain = std::fs::read_to_string(dir.join("bot.json")).unwrap();
    let bytes = compiled::write(&chatlet_engine::load(&plain).unwrap());
    let golden = dir.join(format!("bot.format-{}.chatlet", compiled::FORMAT));
    if std::env::var_os("CHATLET_BLESS").is_some() {
        std::fs::write(&golden, &bytes).unwrap();
    }
    let kept = std::fs::read(&golden).unwrap_or_default();
    assert!(
        kept == bytes,
        "the compiled bytes of tests/compiled/bot.json changed: raise compiled::FORMAT and \
         write {} with CHATLET_BLESS=1 (a widget must never read another layout's file)",
        golden.display()
    );
    // And they read back as the bot they came from.
    let bot = compiled::read(&kept).unwrap();
    assert_eq!(bot.size(), (2, 5));
}
