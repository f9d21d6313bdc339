//! Section text is Markdown typed by people: rendered with pulldown-cmark, raw HTML from the source shown as
//! text (never passed through), then the result cleaned by ammonia (no script, no event handler, no
//! `javascript:` link) as a second line of defence.

use pulldown_cmark::{Event, Options, Parser, html};

pub fn render(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_is_rendered() {
        let html =
            render("## Atouts\n\n- **FEEBAT** : 120 stagiaires\n- [RGE](https://www.ademe.fr)");
        assert!(html.contains("<h2>Atouts</h2>"));
        assert!(html.contains("<strong>FEEBAT</strong>"));
        assert!(html.contains("href=\"https://www.ademe.fr\""));
    }

    #[test]
    fn no_script_no_raw_html() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[clic](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div style=\"color:red\">x</div>",
        ] {
            let html = render(attack);
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("<img"), "{html}");
            assert!(!html.contains("<iframe"), "{html}");
            assert!(!html.contains("<a href=\"javascript:"), "{html}");
            assert!(!html.contains("<div"), "{html}");
        }
    }
}
