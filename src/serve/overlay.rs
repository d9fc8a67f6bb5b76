//! What `serve` adds to the pages it serves, in memory only: the error overlay (every
//! problem of the last failed build, escaped), a small notice of the last build's warnings
//! (a page due for review, a paragraph with no citation), and the live-reload script with
//! its styles. Nothing of it is ever written to the output folder.

use super::LIVERELOAD_PATH;
use crate::Diagnostics;
use crate::html::escape;

/// The error overlay: every problem with `file:line:col`, message and help, escaped.
pub fn overlay_html(diags: &Diagnostics) -> String {
    overlay_titled(
        diags,
        "The last change did not build",
        "The page shows the last good build. Fix these and save:",
    )
}

/// An overlay with its own title and lead sentence, listing the errors of `diags`.
pub(super) fn overlay_titled(diags: &Diagnostics, title: &str, lead: &str) -> String {
    let mut items = String::new();
    for d in diags
        .sorted()
        .into_iter()
        .filter(|d| d.severity == crate::Severity::Error)
    {
        items.push_str(&format!(
            "<li><code class=\"ex-loc\">{}</code><p class=\"ex-msg\">{}</p>{}</li>",
            escape(&d.location()),
            escape(&d.message),
            d.help
                .as_ref()
                .map(|h| format!("<pre class=\"ex-help\">help: {}</pre>", escape(h)))
                .unwrap_or_default()
        ));
    }
    format!(
        "<div id=\"explainer-error-overlay\" role=\"alert\"><h2>{}</h2><p>{}</p><ol>{items}</ol></div>",
        escape(title),
        escape(lead)
    )
}

/// A small notice, in a corner of the page, of the warnings of the last build that
/// succeeded (a page due for review, a paragraph with no citation, …): collapsed, so it
/// never hides the page. `None` without warnings.
pub fn warnings_html(diags: &Diagnostics) -> Option<String> {
    let warnings: Vec<&crate::Diagnostic> = diags
        .sorted()
        .into_iter()
        .filter(|d| d.severity == crate::Severity::Warning)
        .collect();
    if warnings.is_empty() {
        return None;
    }
    let items: String = warnings
        .iter()
        .map(|d| {
            format!(
                "<li><code class=\"ex-loc\">{}</code> {}</li>",
                escape(&d.location()),
                escape(&d.message)
            )
        })
        .collect();
    Some(format!(
        "<details id=\"explainer-warnings\"><summary>{} warning(s) in the last build</summary><ol>{items}</ol></details>",
        warnings.len()
    ))
}

/// The script and styles `serve` adds to every HTML page it serves.
fn client_snippet(overlay: Option<&str>) -> String {
    format!(
        r#"<style>#explainer-error-overlay{{position:fixed;inset:1rem;z-index:99999;overflow:auto;background:#fff;color:#0b0c0c;border:5px solid #d4351c;padding:1rem 1.5rem;font:16px/1.5 system-ui,sans-serif;box-shadow:0 0 0 100vmax rgba(0,0,0,.5)}}#explainer-error-overlay h2{{color:#d4351c;margin-top:0}}#explainer-error-overlay code,#explainer-error-overlay pre{{font:14px/1.4 ui-monospace,monospace;white-space:pre-wrap}}#explainer-warnings{{position:fixed;right:.5rem;bottom:.5rem;z-index:99998;max-width:min(36rem,calc(100vw - 1rem));max-height:50vh;overflow:auto;background:#fff;color:#0b0c0c;border:3px solid #f47738;padding:.25rem .75rem;font:14px/1.4 system-ui,sans-serif}}#explainer-warnings summary{{cursor:pointer;font-weight:700}}#explainer-warnings code{{font:13px ui-monospace,monospace}}</style>{}<script>(function(){{var es=new EventSource("{LIVERELOAD_PATH}");es.addEventListener("reload",function(){{location.reload()}});es.addEventListener("failed",function(e){{var old=document.getElementById("explainer-error-overlay");if(old)old.remove();var w=document.getElementById("explainer-warnings");if(w)w.remove();document.body.insertAdjacentHTML("beforeend",e.data)}});}})();</script>"#,
        overlay.unwrap_or("")
    )
}

/// Adds the live-reload script (and the overlay, if the last build failed) to a page.
pub(super) fn inject(html: &str, overlay: Option<&str>) -> String {
    let snippet = client_snippet(overlay);
    match html.rfind("</body>") {
        Some(i) => format!("{}{}{}", &html[..i], snippet, &html[i..]),
        None => format!("{html}{snippet}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_listed_escaped_and_errors_left_out() {
        let mut d = Diagnostics::new();
        d.push(crate::Diagnostic::warning(
            "content/a.md",
            Some(crate::diagnostic::Position { line: 3, col: 1 }),
            "this page was due for review by 2026-12-31 <soon>",
        ));
        d.push(crate::Diagnostic::error("content/b.md", None, "an error"));
        let html = warnings_html(&d).unwrap();
        assert!(html.contains("1 warning(s)"), "{html}");
        assert!(html.contains("content/a.md:3:1"), "{html}");
        assert!(
            html.contains("&lt;soon&gt;") && !html.contains("an error"),
            "{html}"
        );
        assert_eq!(warnings_html(&Diagnostics::new()), None);
    }

    #[test]
    fn injection_goes_before_body_end() {
        let html = inject("<html><body><p>x</p></body></html>", None);
        assert!(html.contains("EventSource(\"/__livereload\")"));
        assert!(html.ends_with("</body></html>"));
    }
}
