//! The site's URL scheme: the site path each content file gets, the section it is in,
//! and how a path written in a link or a request is percent-decoded. A leaf module: it
//! depends on no other module of the crate.

/// The section a file belongs to: its folder (`concerns`), empty at the top level.
pub fn section_of(rel: &str) -> String {
    rel.rsplit_once('/')
        .map(|(dir, _)| dir.to_string())
        .unwrap_or_default()
}

/// The path of a section's index file: `concerns/_index.md`; `_index.md` for `""`.
pub fn index_rel(section: &str) -> String {
    if section.is_empty() {
        "_index.md".into()
    } else {
        format!("{section}/_index.md")
    }
}

/// The site path of a content file: `concerns/privacy.md` → `/concerns/privacy/`,
/// `concerns/_index.md` → `/concerns/`, `_index.md` → `/`.
pub fn url_for(rel: &str) -> String {
    let without = rel.strip_suffix(".md").unwrap_or(rel);
    let path = match without.rsplit_once('/') {
        Some((dir, "_index")) => dir.to_string(),
        None if without == "_index" => String::new(),
        _ => without.to_string(),
    };
    if path.is_empty() {
        "/".to_string()
    } else {
        format!("/{path}/")
    }
}

/// A path with its `%XX` escapes decoded; `None` if the result is not UTF-8 or holds a
/// NUL (no file has one). A `%` that starts no escape stays as it is.
pub fn percent_decode(s: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(s).decode_utf8().ok()?;
    (!decoded.contains('\0')).then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url_for("_index.md"), "/");
        assert_eq!(url_for("concerns/_index.md"), "/concerns/");
        assert_eq!(url_for("concerns/privacy.md"), "/concerns/privacy/");
        assert_eq!(url_for("about.md"), "/about/");
        assert_eq!(section_of("concerns/privacy.md"), "concerns");
        assert_eq!(section_of("about.md"), "");
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("/a%20b/").as_deref(), Some("/a b/"));
        assert_eq!(percent_decode("/%C3%A9").as_deref(), Some("/é"));
        assert_eq!(percent_decode("/%zz%+5").as_deref(), Some("/%zz%+5"));
        assert_eq!(percent_decode("/%00"), None);
        assert_eq!(percent_decode("/%FF"), None);
    }
}
