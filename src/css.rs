//! Stylesheets as readers get them: the theme's CSS without its comments. The comments
//! are for whoever edits `layouts/static/*.css`; a reader's browser downloads every
//! byte of them on every page (a quarter of the embedded stylesheet, gzipped). Comments
//! are found as the CSS tokenizer finds them: not inside a string, nor inside an
//! unquoted `url(…)`. A comment that starts `/*!` (a licence, by convention) is kept.
//! Everything else is kept byte for byte.

/// `css` without its comments. A comment between two characters that would otherwise
/// join into one token (`a/**/b`) becomes a space, as the tokenizer reads it; a line
/// left holding only spaces by a removed comment is dropped.
pub fn strip_comments(css: &str) -> String {
    let b = css.as_bytes();
    let mut out = String::with_capacity(css.len());
    let mut kept = 0; // bytes of `css` before this are in `out` or dropped
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => i = end_of_string(b, i + 1, q),
            b'(' if is_unquoted_url(b, i) => i = end_of_url(b, i + 1),
            b'/' if b.get(i + 1) == Some(&b'*') && b.get(i + 2) != Some(&b'!') => {
                let end = css[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 2);
                out.push_str(&css[kept..i]);
                let before = out.as_bytes().last().copied();
                let after = b.get(end).copied();
                if joins(before) && joins(after) {
                    out.push(' ');
                }
                drop_blank_line(&mut out, b, end);
                i = end;
                kept = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&css[kept..]);
    out
}

/// The index after the string whose body starts at `i`, closed by `quote` (a backslash
/// escapes the next byte; a line break ends a bad string, as in CSS).
fn end_of_string(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return i + 1,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Whether the `(` at `i` opens an unquoted `url(…)`: `url` (any case) before it, and no
/// quote after it (a quoted one is a string, handled as such).
fn is_unquoted_url(b: &[u8], i: usize) -> bool {
    let named = i >= 3 && b[i - 3..i].eq_ignore_ascii_case(b"url");
    let first = b[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
    named && !matches!(first, Some(b'"' | b'\''))
}

/// The index after the `)` that closes an unquoted URL whose body starts at `i`.
fn end_of_url(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b')' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Whether a byte could be part of a token that a comment's removal would join to the
/// next (a name, a number, a hash, a sign).
fn joins(c: Option<u8>) -> bool {
    c.is_some_and(|c| {
        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'#' | b'%' | b'.') || c >= 0x80
    })
}

/// When the removed comment began a line (only spaces before it in `out`) and only
/// spaces follow it up to the line break, takes those spaces off `out`, so that the line
/// break after the comment ends the previous line and no blank line is left.
fn drop_blank_line(out: &mut String, b: &[u8], end: usize) {
    let rest = &b[end..];
    let to_break = rest
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\r'));
    let ends_line = matches!(rest.get(to_break.count()), Some(b'\n') | None);
    let line_start = out.rfind('\n').map_or(0, |k| k + 1);
    if ends_line && out[line_start..].bytes().all(|c| c == b' ' || c == b'\t') {
        // Drop the spaces and the line break before them too, unless this is the first
        // line; the comment's own line break then ends the line before.
        out.truncate(line_start.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::strip_comments;

    #[test]
    fn comments_go_and_everything_else_stays() {
        assert_eq!(
            strip_comments("a{color:red}/* x */\nb{}"),
            "a{color:red}\nb{}"
        );
        assert_eq!(strip_comments("/* head\n   more */\na{}\n"), "\na{}\n");
        assert_eq!(strip_comments("a{}\n/* one */\nb{}\n"), "a{}\nb{}\n");
        assert_eq!(strip_comments("a{}\n  /* indented */\n  b{}"), "a{}\n  b{}");
        assert_eq!(
            strip_comments("a { margin: 0 /* why */; }"),
            "a { margin: 0 ; }"
        );
        assert_eq!(strip_comments("no comment at all"), "no comment at all");
        assert_eq!(strip_comments(""), "");
    }

    #[test]
    fn a_comment_between_two_names_still_separates_them() {
        assert_eq!(strip_comments("a/**/b{}"), "a b{}");
        assert_eq!(strip_comments("margin:1px/**/2px"), "margin:1px 2px");
        assert_eq!(strip_comments("a{}/**/b{}"), "a{}b{}");
    }

    #[test]
    fn strings_urls_and_licences_are_not_comments() {
        let keep = [
            r#"a::before{content:"/* not a comment */"}"#,
            r#"a::before{content:'it\'s /* still text */'}"#,
            "a{background:url(data:image/svg+xml,/*x*/)}",
            "a{background:URL( http://h/*y*/z )}",
            "/*! licence: keep me */\na{}",
        ];
        for css in keep {
            assert_eq!(strip_comments(css), css);
        }
        assert_eq!(
            strip_comments(r#"a{background:url("/*q*/")/* c */}"#),
            r#"a{background:url("/*q*/")}"#
        );
    }

    #[test]
    fn unclosed_comments_strings_and_urls_end_at_the_end() {
        assert_eq!(strip_comments("a{}/* never closed"), "a{}");
        assert_eq!(strip_comments("a{content:\"open"), "a{content:\"open");
        assert_eq!(strip_comments("a{b:url(open"), "a{b:url(open");
        assert_eq!(strip_comments("a\\"), "a\\");
        assert_eq!(strip_comments("é/*x*/é"), "é é");
    }
}
