//! Markdown typed by people (diagnostic sections, comments, plan texts): rendered with pulldown-cmark, raw HTML from the source shown as
//! text (never passed through), then the result cleaned by ammonia (no script, no event handler, no
//! `javascript:` link) as a second line of defence.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, LazyLock, Mutex};

use pulldown_cmark::{Event, Options, Parser, html};

/// Rendered sections, by their source: the diagnostic page shows every section on every view, and
/// parsing plus sanitising is the dearest part of it, while the text seldom changes. Keyed by the text
/// itself (its hash, then compared), so an edit, a new version or another process can never be served a
/// stale rendering. Bounded by size: when full, it starts afresh.
struct Cache {
    hasher: RandomState,
    entries: HashMap<u64, (Arc<str>, Arc<str>)>,
    bytes: usize,
}

const CACHE_BYTES: usize = 16 * 1024 * 1024;

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| {
    Mutex::new(Cache {
        hasher: RandomState::new(),
        entries: HashMap::new(),
        bytes: 0,
    })
});

/// `render`, remembered: the same source gives the same sanitised HTML.
pub fn render_cached(source: &str) -> Arc<str> {
    let key = {
        let Ok(cache) = CACHE.lock() else {
            return render(source).into();
        };
        let key = cache.hasher.hash_one(source);
        if let Some((src, html)) = cache.entries.get(&key)
            && **src == *source
        {
            return Arc::clone(html);
        }
        key
    };
    let html: Arc<str> = render(source).into();
    let size = source.len() + html.len();
    if let Ok(mut cache) = CACHE.lock()
        && size <= CACHE_BYTES / 4
    {
        if cache.bytes + size > CACHE_BYTES {
            cache.entries.clear();
            cache.bytes = 0;
        }
        if let Some((src, old)) = cache
            .entries
            .insert(key, (source.into(), Arc::clone(&html)))
        {
            cache.bytes -= src.len() + old.len();
        }
        cache.bytes += size;
    }
    html
}

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
    use super::{render, render_cached};

    #[test]
    fn cached_rendering_follows_the_text() {
        let a = render_cached("Texte **A** de la section");
        assert_eq!(&*a, render("Texte **A** de la section"));
        assert_eq!(&*render_cached("Texte **A** de la section"), &*a);
        let b = render_cached("Texte **B** de la section");
        assert!(b.contains("<strong>B</strong>"), "{b}");
    }

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
