//! Replays every saved fuzz input (the seed corpus and the regressions the fuzzer found)
//! through its target once, on stable: a regression suite that needs no nightly.

use std::path::Path;

#[test]
fn every_saved_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0;
    for (name, target) in chatlet_fuzz_targets::TARGETS {
        for folder in ["corpus", "regressions"] {
            let dir = root.join(folder).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                // A running fuzzer may replace files meanwhile.
                let Ok(data) = std::fs::read(&path) else {
                    continue;
                };
                let result = std::panic::catch_unwind(|| target(&data));
                assert!(result.is_ok(), "{name}: {} fails", path.display());
                replayed += 1;
            }
        }
        assert!(
            root.join("corpus").join(name).is_dir(),
            "no corpus for {name}"
        );
    }
    assert!(
        replayed > 50,
        "only {replayed} inputs: the corpus is missing"
    );
}
