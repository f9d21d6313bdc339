//! Pagination of every list: `Pager` reads the requested page and gives the query its `limit`/`offset`;
//! `PageLinks` builds the links that keep the list's other query parameters; `Pages` is what the
//! `partials/pagination.html` macro draws (« Page précédente », « Page 2 sur 7 », « Page suivante »).
//!
//! Two ways to know whether there is a next page:
//! - a counted list (`Pager::counted`, the total comes with the rows): « Page 2 sur 7 » is shown;
//! - a list read one row ahead (`Pager::limit_ahead`, then `Pager::looked_ahead`), which never counts.
//!
//! A keyset list (« after this id ») builds its `Pages` with `Pages::between` from its own cursors and draws it
//! with the same macro.

use form_urlencoded::Serializer;

/// The highest page a request may ask for (an offset beyond it is refused by clamping, not by an error).
pub const MAX_PAGE: i64 = 100_000;

/// The requested page of a list and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pager {
    page: i64,
    per_page: i64,
}

impl Pager {
    /// The page a request asked for: missing, zero or negative is the first page, more than `MAX_PAGE` is
    /// `MAX_PAGE`.
    pub fn new(page: Option<i64>, per_page: i64) -> Self {
        Self {
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
            per_page: per_page.max(1),
        }
    }

    /// The same from the query string's text (`?page=abc` is the first page, never an error).
    pub fn parse(raw: &str, per_page: i64) -> Self {
        Self::new(raw.trim().parse().ok(), per_page)
    }

    pub fn page(&self) -> i64 {
        self.page
    }

    pub fn per_page(&self) -> i64 {
        self.per_page
    }

    /// The rows to skip: the SQL `offset`.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// The SQL `limit` of a list that reads one row more than a page to know whether a next page exists.
    pub fn limit_ahead(&self) -> i64 {
        self.per_page + 1
    }

    /// How many pages `total` rows fill: at least one, so that an empty list is « Page 1 sur 1 ».
    pub fn pages(&self, total: i64) -> i64 {
        ((total.max(0) + self.per_page - 1) / self.per_page).max(1)
    }

    /// The links of a counted list. Past the last page (a link kept after rows were deleted) no position
    /// is shown and the previous link leads back to the last page.
    pub fn counted(&self, total: i64, links: &PageLinks) -> Pages {
        let pages = self.pages(total);
        let prev = (self.page > 1).then(|| links.href((self.page - 1).min(pages)));
        let next = (self.page < pages).then(|| links.href(self.page + 1));
        Pages {
            label: links.label,
            position: (self.page <= pages).then_some((self.page, pages)),
            prev,
            next,
        }
    }

    /// The links of a list read with `limit_ahead()`: drops the extra row, if any, and offers a next page
    /// when it was there.
    pub fn looked_ahead<T>(&self, rows: &mut Vec<T>, links: &PageLinks) -> Pages {
        let per_page = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        let has_next = rows.len() > per_page;
        rows.truncate(per_page);
        Pages {
            label: links.label,
            position: None,
            prev: (self.page > 1).then(|| links.href(self.page - 1)),
            next: has_next.then(|| links.href(self.page + 1)),
        }
    }
}

/// Where a list's page links lead: its path and the query parameters it keeps (its filters, its sort),
/// followed by `page=N`.
#[derive(Clone, Debug)]
pub struct PageLinks {
    path: String,
    query: String,
    label: &'static str,
}

impl PageLinks {
    /// `label` names the navigation for screen readers (`aria-label`, « Pages des diagnostics »).
    pub fn new(path: &str, label: &'static str) -> Self {
        Self {
            path: path.to_owned(),
            query: String::new(),
            label,
        }
    }

    /// Keeps a parameter in every link, percent-encoded; an empty value is left out.
    pub fn keep(mut self, key: &str, value: &str) -> Self {
        if !value.is_empty() {
            let pair = Serializer::new(String::new())
                .append_pair(key, value)
                .finish();
            self.push(&pair);
        }
        self
    }

    /// Keeps a query string the list already built (`a=1&b=2`, encoded).
    pub fn keep_query(mut self, encoded: &str) -> Self {
        if !encoded.is_empty() {
            self.push(encoded);
        }
        self
    }

    fn push(&mut self, encoded: &str) {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        self.query.push_str(encoded);
    }

    /// The link to page `page`.
    pub fn href(&self, page: i64) -> String {
        if self.query.is_empty() {
            format!("{}?page={page}", self.path)
        } else {
            format!("{}?{}&page={page}", self.path, self.query)
        }
    }
}

/// What the `partials/pagination.html` macro draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pages {
    label: &'static str,
    /// The page and the number of pages, when the list counts its rows.
    position: Option<(i64, i64)>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pages {
    /// Links computed elsewhere (a keyset list's cursors): no position is shown.
    pub fn between(label: &'static str, prev: Option<String>, next: Option<String>) -> Self {
        Self {
            label,
            position: None,
            prev,
            next,
        }
    }

    pub fn label(&self) -> &'static str {
        self.label
    }

    /// « Page 2 sur 7 », for a counted list.
    pub fn position(&self) -> Option<String> {
        self.position
            .map(|(page, pages)| format!("Page {page} sur {pages}"))
    }

    /// Whether there is anything to draw: a list that fits on one page has no navigation.
    pub fn shown(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> PageLinks {
        PageLinks::new("/liste", "Pages de la liste")
    }

    #[test]
    fn the_requested_page_is_clamped() {
        assert_eq!(Pager::new(None, 50).page(), 1);
        assert_eq!(Pager::new(Some(0), 50).page(), 1);
        assert_eq!(Pager::new(Some(-3), 50).page(), 1);
        assert_eq!(Pager::new(Some(i64::MAX), 50).page(), MAX_PAGE);
        assert_eq!(Pager::parse("abc", 50).page(), 1);
        assert_eq!(Pager::parse(" 3 ", 50).page(), 3);
        assert_eq!(Pager::parse("", 50).page(), 1);
        assert_eq!(
            Pager::new(Some(3), 0).per_page(),
            1,
            "a page holds a row at least"
        );
    }

    #[test]
    fn offsets_and_limits() {
        let p = Pager::new(Some(3), 25);
        assert_eq!(p.offset(), 50);
        assert_eq!(p.limit_ahead(), 26);
        assert_eq!(Pager::new(Some(1), 25).offset(), 0);
        assert_eq!(Pager::new(Some(MAX_PAGE), 50).offset(), (MAX_PAGE - 1) * 50);
    }

    #[test]
    fn pages_of_a_total() {
        let p = Pager::new(None, 50);
        assert_eq!(p.pages(0), 1, "an empty list is one page");
        assert_eq!(p.pages(-1), 1);
        assert_eq!(p.pages(50), 1);
        assert_eq!(p.pages(51), 2);
        assert_eq!(p.pages(349), 7);
    }

    #[test]
    fn a_counted_list_in_the_middle() {
        let pages = Pager::new(Some(2), 50).counted(349, &links());
        assert_eq!(pages.position().as_deref(), Some("Page 2 sur 7"));
        assert_eq!(pages.prev.as_deref(), Some("/liste?page=1"));
        assert_eq!(pages.next.as_deref(), Some("/liste?page=3"));
        assert_eq!(pages.label(), "Pages de la liste");
        assert!(pages.shown());
    }

    #[test]
    fn an_empty_or_short_list_has_no_navigation() {
        for total in [0, 1, 50] {
            let pages = Pager::new(None, 50).counted(total, &links());
            assert_eq!(pages.prev, None);
            assert_eq!(pages.next, None);
            assert_eq!(pages.position().as_deref(), Some("Page 1 sur 1"));
            assert!(!pages.shown());
        }
    }

    #[test]
    fn the_last_page_has_no_next() {
        let pages = Pager::new(Some(7), 50).counted(349, &links());
        assert_eq!(pages.prev.as_deref(), Some("/liste?page=6"));
        assert_eq!(pages.next, None);
    }

    #[test]
    fn past_the_last_page_the_previous_link_leads_back_to_it() {
        let pages = Pager::new(Some(99), 50).counted(120, &links());
        assert_eq!(pages.position(), None, "never « Page 99 sur 3 »");
        assert_eq!(pages.prev.as_deref(), Some("/liste?page=3"));
        assert_eq!(pages.next, None);
        let empty = Pager::new(Some(4), 50).counted(0, &links());
        assert_eq!(empty.prev.as_deref(), Some("/liste?page=1"));
    }

    #[test]
    fn a_list_read_one_row_ahead() {
        let p = Pager::new(Some(2), 3);
        let mut rows = vec![1, 2, 3, 4];
        let pages = p.looked_ahead(&mut rows, &links());
        assert_eq!(rows, [1, 2, 3], "the extra row is not shown");
        assert_eq!(pages.next.as_deref(), Some("/liste?page=3"));
        assert_eq!(pages.prev.as_deref(), Some("/liste?page=1"));
        assert_eq!(pages.position(), None, "an uncounted list says no total");

        let mut rows = vec![1, 2, 3];
        let pages = Pager::new(None, 3).looked_ahead(&mut rows, &links());
        assert_eq!(rows.len(), 3);
        assert!(!pages.shown(), "exactly one page");

        let mut rows: Vec<i32> = Vec::new();
        let pages = Pager::new(Some(5), 3).looked_ahead(&mut rows, &links());
        assert_eq!(pages.prev.as_deref(), Some("/liste?page=4"));
        assert_eq!(pages.next, None);
    }

    #[test]
    fn links_keep_the_filters_encoded() {
        let l = PageLinks::new("/recherche", "Pages de résultats")
            .keep("q", "l'emploi & <co>")
            .keep("statut", "")
            .keep("region", "32");
        assert_eq!(
            l.href(2),
            "/recherche?q=l%27emploi+%26+%3Cco%3E&region=32&page=2"
        );
        let l = PageLinks::new("/reseau", "Pages").keep_query("programme=tous&tri=nom");
        assert_eq!(l.href(3), "/reseau?programme=tous&tri=nom&page=3");
        assert_eq!(
            PageLinks::new("/reseau", "Pages").keep_query("").href(1),
            "/reseau?page=1"
        );
    }

    #[test]
    fn a_keyset_list_brings_its_own_links() {
        let pages = Pages::between("Pages", None, Some("/journal?avant=12".into()));
        assert!(pages.shown());
        assert_eq!(pages.position(), None);
    }
}
