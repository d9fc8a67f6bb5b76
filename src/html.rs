//! HTML escaping, the one place it is done: for highlighted code, filled-in holes,
//! template values, the dev server's error overlay, and the XML feeds (whose entities
//! are the same).

use std::fmt::{self, Write};

/// Writes `text` with `<`, `>`, `&`, `"` and `'` escaped.
pub fn write_escaped(out: &mut dyn Write, text: &str) -> fmt::Result {
    for c in text.chars() {
        match c {
            '<' => out.write_str("&lt;")?,
            '>' => out.write_str("&gt;")?,
            '&' => out.write_str("&amp;")?,
            '"' => out.write_str("&quot;")?,
            '\'' => out.write_str("&#39;")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// `text` with `<`, `>`, `&`, `"` and `'` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_the_five() {
        assert_eq!(
            super::escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
