//! The engine's folders keep their boundary: judging (`src/judge/`) is pure rules, and
//! knows neither the store nor the scan's machinery nor the recorded results' formats.
//! A `use` that crosses the line fails here, naming the file and the line.

use std::path::Path;

/// What `src/judge/` must not name: the store crate, and the engine's own machinery.
const FORBIDDEN: &[&str] = &["failwell_store", "crate::scan", "crate::record", "std::thread", "rayon"];

#[test]
fn judging_names_neither_the_store_nor_the_scan_s_machinery() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/judge");
    let mut files = 0;
    let mut crossings = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/judge") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).expect("a source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN.iter().filter(|w| code.contains(*w)) {
                crossings.push(format!("{}:{}: {word}", path.display(), n + 1));
            }
        }
    }
    // Guard: the folder was read (a moved folder would make this pass vacuously).
    assert!(files >= 10, "read only {files} files in {}", dir.display());
    assert!(crossings.is_empty(), "judging crosses its boundary:\n{}", crossings.join("\n"));
}
