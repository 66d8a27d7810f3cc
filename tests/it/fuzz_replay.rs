//! Every committed fuzz corpus and every crash the fuzzers found, replayed through the same
//! functions the fuzz targets call (`rollout::fuzzing`): none may panic.

use std::path::Path;

#[test]
fn the_fuzz_corpora_and_crashes_replay_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, run) in rollout::fuzzing::TARGETS {
        for folder in [root.join("corpus").join(name), root.join("regressions").join(name)] {
            let Ok(entries) = std::fs::read_dir(&folder) else { continue };
            let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            files.sort();
            for f in files {
                // A fuzzer running beside the tests may rename its inputs: skip what is gone.
                let Ok(data) = std::fs::read(&f) else { continue };
                let outcome = std::panic::catch_unwind(|| run(&data));
                assert!(outcome.is_ok(), "{name}: {} makes the parser panic", f.display());
                replayed += 1;
            }
        }
    }
    // Every target has a committed corpus: an empty replay would prove nothing.
    for (name, _) in rollout::fuzzing::TARGETS {
        assert!(root.join("corpus").join(name).is_dir(), "fuzz/corpus/{name} is missing");
    }
    assert!(replayed >= rollout::fuzzing::TARGETS.len(), "replayed only {replayed} inputs");
}
