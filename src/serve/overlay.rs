//! What `serve` adds to the pages it serves, in memory only: the error overlay (every
//! problem of the last failed build, escaped) and the live-reload script with its styles.
//! Nothing of it is ever written to the output folder.

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

/// The script and styles `serve` adds to every HTML page it serves.
fn client_snippet(overlay: Option<&str>) -> String {
    format!(
        r#"<style>#explainer-error-overlay{{position:fixed;inset:1rem;z-index:99999;overflow:auto;background:#fff;color:#0b0c0c;border:5px solid #d4351c;padding:1rem 1.5rem;font:16px/1.5 system-ui,sans-serif;box-shadow:0 0 0 100vmax rgba(0,0,0,.5)}}#explainer-error-overlay h2{{color:#d4351c;margin-top:0}}#explainer-error-overlay code,#explainer-error-overlay pre{{font:14px/1.4 ui-monospace,monospace;white-space:pre-wrap}}</style>{}<script>(function(){{var es=new EventSource("{LIVERELOAD_PATH}");es.addEventListener("reload",function(){{location.reload()}});es.addEventListener("failed",function(e){{var old=document.getElementById("explainer-error-overlay");if(old)old.remove();document.body.insertAdjacentHTML("beforeend",e.data)}});}})();</script>"#,
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
    fn injection_goes_before_body_end() {
        let html = inject("<html><body><p>x</p></body></html>", None);
        assert!(html.contains("EventSource(\"/__livereload\")"));
        assert!(html.ends_with("</body></html>"));
    }
}
