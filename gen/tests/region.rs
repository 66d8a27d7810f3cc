//! `rollout-gen region` through the binary: a small region is deterministic, has every
//! profile, and its region.json adds up.

use std::path::{Path, PathBuf};
use std::process::Command;

fn gen_region(out: &Path, orgs: usize, seed: u64, threads: usize) {
    let status = Command::new(env!("CARGO_BIN_EXE_rollout-gen"))
        .args(["region", "--out"])
        .arg(out)
        .args([
            "--orgs",
            &orgs.to_string(),
            "--seed",
            &seed.to_string(),
            "--threads",
            &threads.to_string(),
        ])
        .status()
        .expect("run rollout-gen");
    assert!(status.success(), "rollout-gen region failed");
}

fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).expect("prefix").to_path_buf(), std::fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rollout-gen-region-{name}-{}", std::process::id()))
}

#[test]
fn small_region_is_deterministic_and_adds_up() {
    let base = temp("det");
    std::fs::remove_dir_all(&base).ok();
    // one thread and two: the files do not depend on which thread built what
    gen_region(&base.join("a"), 6, 11, 1);
    gen_region(&base.join("b"), 6, 11, 2);
    let a = read_tree(&base.join("a"));
    let b = read_tree(&base.join("b"));
    assert!(!a.is_empty());
    assert!(a == b, "one seed, two different regions");
    // again into the same folder: replaced, same bytes
    gen_region(&base.join("a"), 6, 11, 2);
    assert!(read_tree(&base.join("a")) == a, "regenerated in place differs");

    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(base.join("a/region.json")).expect("region.json")).expect("json");
    let orgs = json["organisations"].as_array().expect("organisations");
    assert_eq!(orgs.len(), 6);
    let totals = &json["totals"];
    assert_eq!(totals["organisations"], 6);
    for key in ["students", "parents", "staff", "members"] {
        let sum: u64 = orgs.iter().map(|o| o[key].as_u64().expect(key)).sum();
        assert_eq!(totals[key].as_u64(), Some(sum), "{key}");
        if key != "members" {
            assert!(orgs.iter().all(|o| o[key].as_u64() > Some(0)), "every organisation has {key}");
        }
    }
    let profiles: Vec<&str> = orgs.iter().map(|o| o["profile"].as_str().expect("profile")).collect();
    for p in ["school", "college", "kindergarten", "supplementary"] {
        assert!(profiles.contains(&p), "{p} in the mix: {profiles:?}");
        let n = profiles.iter().filter(|&&q| q == p).count() as u64;
        let key = match p {
            "school" => "schools",
            "college" => "colleges",
            "kindergarten" => "kindergartens",
            _ => "supplementary",
        };
        assert_eq!(totals[key].as_u64(), Some(n), "{key}");
    }

    let toml = std::fs::read_to_string(base.join("a/region.toml")).expect("region.toml");
    for o in orgs {
        let folder = o["folder"].as_str().expect("folder");
        assert!(
            toml.contains(&format!("[[workspaces]]\npath = \"{folder}\"\n")),
            "{folder} in region.toml"
        );
        let ws = base.join("a").join(folder);
        let config = std::fs::read_to_string(ws.join("rollout.toml")).expect("rollout.toml");
        let profile = o["profile"].as_str().expect("profile");
        assert!(config.contains(&format!("profile = \"{profile}\"")), "{folder}: {config}");
        assert!(
            config.contains(o["name"].as_str().expect("name")),
            "{folder}: the organisation's own name"
        );
        let on_platform = o["platform"].as_bool().expect("platform");
        assert_eq!(
            ws.join("platform/chats.json").exists(),
            on_platform,
            "{folder}: snapshot iff on the platform"
        );
        assert_eq!(config.contains("[platform]"), on_platform, "{folder}");
        assert_eq!(o["members"].as_u64().expect("members") > 0, on_platform, "{folder}");
        // no BIFF8 written by python at region scale
        for e in std::fs::read_dir(ws.join("sources")).expect("sources") {
            let p = e.expect("entry").path();
            let bytes = std::fs::read(&p).expect("read");
            assert!(!bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]), "{}: a BIFF8 file", p.display());
        }
    }
    std::fs::remove_dir_all(base).ok();
}

#[test]
fn refuses_a_folder_that_is_not_a_region() {
    let base = temp("refuse");
    std::fs::create_dir_all(&base).expect("dir");
    std::fs::write(base.join("mine.txt"), "not a region").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_rollout-gen"))
        .args(["region", "--out"])
        .arg(&base)
        .args(["--orgs", "2"])
        .output()
        .expect("run rollout-gen");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a generated region"));
    assert!(base.join("mine.txt").exists(), "left as it was");
    std::fs::remove_dir_all(base).ok();
}
