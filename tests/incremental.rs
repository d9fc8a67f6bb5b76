//! `serve`'s incremental builds (cached parses, only changed files written) must leave
//! exactly what a fresh build would: same files, same bytes, nothing stale.

use explainer::{BuildCache, BuildOptions, build, build_cached};
use std::collections::BTreeMap;
use std::path::Path;

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn incremental_builds_equal_fresh_builds() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    explainer::scaffold::new_site(&site).unwrap();
    let live = dir.path().join("live");
    let opts = BuildOptions {
        out_dir: Some(live.clone()),
        ..BuildOptions::new(&site)
    };
    let mut cache = BuildCache::retaining();
    build_cached(&opts, &mut cache).unwrap();

    let check = |cache: &mut BuildCache, what: &str| {
        build_cached(&opts, cache).unwrap();
        let fresh = dir.path().join("fresh");
        let _ = std::fs::remove_dir_all(&fresh);
        build(&BuildOptions {
            out_dir: Some(fresh.clone()),
            ..BuildOptions::new(&site)
        })
        .unwrap();
        let (a, b) = (tree(&live), tree(&fresh));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{what}: the same files"
        );
        for (k, v) in &a {
            assert!(v == &b[k], "{what}: {k} differs");
        }
    };

    let concern = site.join("content/concerns/example.md");
    let text = std::fs::read_to_string(&concern).unwrap();
    std::fs::write(
        &concern,
        text.replace("An example concern", "A changed concern"),
    )
    .unwrap();
    check(&mut cache, "after an edit");

    std::fs::write(
        site.join("content/concerns/extra.md"),
        "---\ntitle: Extra\n---\n\nSee [the example](example.md).\n",
    )
    .unwrap();
    check(&mut cache, "after adding a page");
    assert!(live.join("concerns/extra/index.html").exists());

    std::fs::remove_file(site.join("content/concerns/extra.md")).unwrap();
    check(&mut cache, "after removing a page");
    assert!(
        !live.join("concerns/extra").exists(),
        "the removed page's folder is gone"
    );
}
