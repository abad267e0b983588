//! HTML: one self-contained page (no network, no external files) with the
//! service map drawn as inline SVG, each service's tables, modules and
//! evidence, the order, the shared tables, the metrics and the diagnostics.
//! A little script opens sections from the map and finds tables by name;
//! everything it needs is in the page.

mod map;
mod page;

use super::AnalyzeReport;

pub fn render(report: &AnalyzeReport<'_>) -> String {
    page::render(report)
}

/// Text safe inside an element or a quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON safe inside `<script>`: no `</script>`, no `<!--`, no line
/// separators a parser could trip on.
pub(crate) fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn embedded_json_cannot_close_its_script() {
        let json = serde_json::to_string(&["</script><!--"]).unwrap();
        let safe = script_json(&json);
        assert!(!safe.contains("</"));
        assert!(!safe.contains("<!--"));
        let back: Vec<String> = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, ["</script><!--"]);
    }
}
