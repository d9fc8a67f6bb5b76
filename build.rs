//! Build script: tells the search module which version of Pagefind Cargo.lock pins
//! (`EXPLAINER_PAGEFIND_VERSION`), so that a search index shard written by another version
//! is never kept: after an upgrade, a build must still equal a clean build.

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("\nname = \"pagefind\"\n"))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"'))
        .unwrap_or("unknown");
    println!("cargo:rustc-env=EXPLAINER_PAGEFIND_VERSION={version}");
}
