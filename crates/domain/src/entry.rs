//! Which bundle of the citizen app serves a page. The app ships as several small WebAssembly
//! bundles, one per journey, so the first page a citizen opens downloads only its journey:
//! browsing (the list and an activity), booking (book, show, move and cancel a booking), the
//! citizen's own bookings and samples ("my bookings": what this device made, and finding one
//! made elsewhere) and vegetable samples (register, look up). The server answers a deep link with its bundle's
//! `index.html`; a link into another journey is a full page load of that bundle.

/// One bundle of the citizen app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `/`, `/activities/{id}` and anything unknown (which shows "not found").
    Browse,
    /// `/sessions/{id}/book`, `/bookings/{code}`.
    Book,
    /// `/my`.
    Mine,
    /// `/sessions/{id}/samples`, `/samples/{code}`.
    Samples,
}

impl Entry {
    pub const ALL: [Entry; 4] = [Entry::Browse, Entry::Book, Entry::Mine, Entry::Samples];

    /// The bundle that serves `path` (the path of the address, without query or fragment).
    pub fn for_path(path: &str) -> Entry {
        Entry::page(path).unwrap_or(Entry::Browse)
    }

    /// The bundle of the page at `path`, or `None` when no page has that path (the browsing
    /// bundle then says "not found").
    pub fn page(path: &str) -> Option<Entry> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [] | ["activities", _] => Some(Entry::Browse),
            ["sessions", _, "book"] | ["bookings", _] => Some(Entry::Book),
            ["my"] => Some(Entry::Mine),
            ["sessions", _, "samples"] | ["samples", _] => Some(Entry::Samples),
            _ => None,
        }
    }

    /// Where the bundle's files are under `dist/` and under the site root: `""` for the
    /// browsing bundle (`dist/index.html` itself), else a folder no page path starts with.
    pub fn dir(self) -> &'static str {
        match self {
            Entry::Browse => "",
            Entry::Book => "bundles/book",
            Entry::Mine => "bundles/mine",
            Entry::Samples => "bundles/samples",
        }
    }

    /// A short name for reports: `browse`, `book`, `mine`, `samples`.
    pub fn name(self) -> &'static str {
        match self {
            Entry::Browse => "browse",
            Entry::Book => "book",
            Entry::Mine => "mine",
            Entry::Samples => "samples",
        }
    }

    /// Its `index.html` under `dist/`.
    pub fn index(self) -> String {
        match self.dir() {
            "" => "index.html".to_owned(),
            dir => format!("{dir}/index.html"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Entry;

    #[test]
    fn every_page_has_its_bundle() {
        assert_eq!(Entry::for_path("/"), Entry::Browse);
        assert_eq!(Entry::for_path("/activities/3"), Entry::Browse);
        assert_eq!(Entry::for_path("/sessions/3/book"), Entry::Book);
        assert_eq!(Entry::for_path("/bookings/K7QM-4XPB"), Entry::Book);
        assert_eq!(Entry::for_path("/my"), Entry::Mine);
        assert_eq!(Entry::for_path("/my/"), Entry::Mine);
        assert_eq!(Entry::for_path("/sessions/3/samples"), Entry::Samples);
        assert_eq!(Entry::for_path("/samples/ABCD-EFGH"), Entry::Samples);
        // Unknown pages, and pages one level too deep, are "not found" in the browsing bundle.
        assert_eq!(Entry::for_path("/nowhere"), Entry::Browse);
        assert_eq!(Entry::for_path("/my/extra"), Entry::Browse);
        assert_eq!(Entry::for_path("/sessions/3"), Entry::Browse);
        assert_eq!(Entry::page("/"), Some(Entry::Browse));
        assert_eq!(Entry::page("/activities/3"), Some(Entry::Browse));
        assert_eq!(Entry::page("/my"), Some(Entry::Mine));
        for nowhere in [
            "/nowhere",
            "/my/extra",
            "/sessions/3",
            "/favicon.ico",
            "/staff",
        ] {
            assert_eq!(Entry::page(nowhere), None, "{nowhere}");
        }
    }
}
