//! The TypeScript declarations in `ui/src/bindings/` match the Rust types. Regenerate with
//! `PHYSALIGN_WRITE_BINDINGS=1 cargo test -p physalign-desktop --test bindings`.

use physalign_desktop::bindings::{committed_dir, export};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `.ts` file under `dir` by its path relative to `dir` (ts-rs puts `serde_json::Value`
/// in a folder of its own).
fn read_dir(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for path in entries.map(|e| e.expect("directory entry").path()) {
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "ts") {
                let text = std::fs::read_to_string(&path).expect("readable declaration");
                let relative = path.strip_prefix(dir).expect("under dir").to_path_buf();
                files.insert(relative, text);
            }
        }
    }
    files
}

#[test]
fn committed_bindings_are_current() {
    let committed = committed_dir();
    if std::env::var_os("PHYSALIGN_WRITE_BINDINGS").is_some() {
        // Stale files of removed types go too.
        for name in read_dir(&committed).keys() {
            std::fs::remove_file(committed.join(name)).expect("remove a stale declaration");
        }
        export(&committed).expect("write the declarations");
    }
    let fresh = tempfile::tempdir().expect("temporary directory");
    export(fresh.path()).expect("generate the declarations");
    let expected = read_dir(fresh.path());
    let actual = read_dir(&committed);
    assert!(expected.len() > 20, "only {} declarations", expected.len());
    let stale: Vec<&PathBuf> = expected
        .iter()
        .filter(|(name, text)| actual.get(*name) != Some(text))
        .map(|(name, _)| name)
        .chain(actual.keys().filter(|name| !expected.contains_key(*name)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale ({stale:?}); regenerate with \
         PHYSALIGN_WRITE_BINDINGS=1 cargo test -p physalign-desktop --test bindings"
    );
}
