//! What a link shows before anyone opens it. WeChat, a portal or a search engine reads the
//! page's `<title>`, its description and its Open Graph card from the HTML and runs no
//! script, so the server writes an activity's or a session's own into its bundle's
//! `index.html` (in the app, `document.title` then follows the reader). Every value written
//! is HTML-escaped. Each page is kept, rendered and compressed, for a minute: a link passed
//! round a chat group costs one database read a minute, and a renamed activity shows in new
//! cards within that minute.

use crate::encoding::{Effort, Prepared};
use crate::storage::Storage;
use chrono::{Datelike, NaiveDate, Utc};
use labday_domain::entry::Entry;
use labday_domain::text::escape_with;
use labday_domain::{ActivityDetail, SessionFormat, SessionView};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a rendered page is reused.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// Most pages kept (activities × languages, sessions × pages × languages); past that the
/// cache starts over.
const MOST_PAGES: usize = 4096;
/// Longest description written (characters); cards show two or three lines of it.
const DESCRIPTION_CHARS: usize = 150;

/// A page whose card names what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shared {
    /// `/activities/{id}`
    Activity(i64),
    /// `/sessions/{id}/book`
    Booking(i64),
    /// `/sessions/{id}/samples`
    Samples(i64),
}

impl Shared {
    /// The shared page at `path`, if it is one (ids as the app reads them: positive numbers).
    pub fn of_path(path: &str) -> Option<Shared> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let id = |raw: &str| raw.parse::<i64>().ok().filter(|id| *id > 0);
        match parts.as_slice() {
            ["activities", raw] => id(raw).map(Shared::Activity),
            ["sessions", raw, "book"] => id(raw).map(Shared::Booking),
            ["sessions", raw, "samples"] => id(raw).map(Shared::Samples),
            _ => None,
        }
    }

    /// The bundle that shows it.
    pub fn entry(self) -> Entry {
        match self {
            Shared::Activity(_) => Entry::Browse,
            Shared::Booking(_) => Entry::Book,
            Shared::Samples(_) => Entry::Samples,
        }
    }
}

/// The card's language: English when the link says `lang=en` (as the app reads it), else
/// Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn of_query(query: Option<&str>) -> Lang {
        let english = query.unwrap_or_default().split('&').any(|kv| {
            kv.strip_prefix("lang=")
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("en"))
        });
        if english {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A page's card: its title (without the site's name) and a sentence or two about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub description: String,
}

impl Card {
    /// An activity: its title; who runs it, where and when, then what it is.
    pub fn of_activity(a: &ActivityDetail, lang: Lang) -> Card {
        let l = lang.code();
        let s = &a.summary;
        let facts = [
            s.organisation.get(l).to_owned(),
            s.city.get(l).to_owned(),
            date_range(s.starts_on, s.ends_on, lang),
        ];
        Card {
            title: s.title.get(l).to_owned(),
            description: describe(&facts, a.description.get(l)),
        }
    }

    /// A session's booking or sample page: what to do, the session and its activity (a
    /// blank title left out); when and where (the place, and the address it is held at
    /// when that is not its organiser's). `None` for a sample page of a session that
    /// takes no samples: the page says so, and no card promises it.
    pub fn of_session(s: &SessionView, page: Shared, lang: Lang) -> Option<Card> {
        let l = lang.code();
        let action = match page {
            Shared::Samples(_) if s.format != SessionFormat::QuickTest => return None,
            Shared::Samples(_) => lang.pick("快检登记", "Register samples"),
            _ => lang.pick("预约", "Book"),
        };
        let colon = lang.pick("：", ": ");
        let when = format!(
            "{} {}–{}",
            date(s.starts_at.date(), lang),
            s.starts_at.format("%H:%M"),
            s.ends_at.format("%H:%M")
        );
        // Held away from its organiser (a quick-test desk at a market): that address too.
        let held_at = s.held_at.as_ref().map(|a| a.get(l).to_owned());
        let held_at = held_at.unwrap_or_default();
        let named: Vec<&str> = [s.title.get(l), s.activity_title.get(l)]
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .collect();
        Some(Card {
            title: format!("{action}{colon}{}", named.join(" · ")),
            description: describe(&[when, s.place.get(l).to_owned(), held_at], ""),
        })
    }

    /// The head elements that say it: `<title>`, the description and the Open Graph card.
    pub fn head(&self, lang: Lang) -> String {
        let title = escape(&one_line(&self.title));
        let description = escape(&self.description);
        let locale = lang.pick("zh_CN", "en_US");
        format!(
            "<title>{title} · labday</title>\
             <meta name=\"description\" content=\"{description}\">\
             <meta property=\"og:type\" content=\"website\">\
             <meta property=\"og:site_name\" content=\"labday\">\
             <meta property=\"og:locale\" content=\"{locale}\">\
             <meta property=\"og:title\" content=\"{title}\">\
             <meta property=\"og:description\" content=\"{description}\">"
        )
    }
}

/// `facts · facts · facts. text`, on one line, at most [`DESCRIPTION_CHARS`] characters.
fn describe(facts: &[String], text: &str) -> String {
    let facts: Vec<&str> = facts
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .collect();
    let mut out = facts.join(" · ");
    let text = one_line(text);
    if !text.is_empty() {
        if !out.is_empty() {
            out.push_str(" — ");
        }
        out.push_str(&text);
    }
    let out = one_line(&out);
    if out.chars().count() <= DESCRIPTION_CHARS {
        return out;
    }
    let mut cut: String = out.chars().take(DESCRIPTION_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Whitespace and control characters folded into single spaces.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn date(d: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::En => d.format("%-d %b %Y").to_string(),
    }
}

fn date_range(from: NaiveDate, to: NaiveDate, lang: Lang) -> String {
    if from == to {
        date(from, lang)
    } else {
        format!(
            "{}{}{}",
            date(from, lang),
            lang.pick("至", " – "),
            date(to, lang)
        )
    }
}

/// Text made safe for an HTML text node or a quoted attribute value.
pub fn escape(text: &str) -> String {
    escape_with(text, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    })
}

/// A bundle's `index.html` cut where a page's title and card go: its own `<title>`, its
/// description and its `og:` meta elements are taken out, and the card goes where the title
/// was.
#[derive(Debug, Clone)]
pub struct Shell {
    before: String,
    after: String,
}

impl Shell {
    /// `None` when the page has no `<title>` to put a card in place of.
    pub fn parse(html: &str) -> Option<Shell> {
        let lower = html.to_ascii_lowercase();
        let head_end = lower.find("</head").unwrap_or(lower.len());
        let title_start = lower[..head_end].find("<title")?;
        let title_end = title_start + lower[title_start..].find("</title>")? + "</title>".len();
        let mut cut = vec![(title_start, title_end)];
        let mut from = 0;
        while let Some(at) = lower[from..head_end].find("<meta") {
            let start = from + at;
            let end = start + lower[start..].find('>')? + 1;
            let tag = &lower[start..end];
            let unquoted = tag.replace(['"', '\''], "");
            if unquoted.contains("name=description") || unquoted.contains("property=og:") {
                cut.push((start, end));
            }
            from = end;
        }
        cut.sort_unstable();
        let mut before = String::new();
        let mut after = String::new();
        let mut at = 0;
        for (start, end) in cut {
            let kept = &html[at..start];
            if start <= title_start {
                before.push_str(kept);
            } else {
                after.push_str(kept);
            }
            at = end;
        }
        after.push_str(&html[at..]);
        Some(Shell { before, after })
    }

    /// The page with `card` in it.
    pub fn with(&self, card: &Card, lang: Lang) -> String {
        format!("{}{}{}", self.before, card.head(lang), self.after)
    }
}

/// A page with its share card, ready to send.
fn card_page(html: String) -> Prepared {
    Prepared::new(html.into_bytes(), "text/html; charset=utf-8", Effort::Best)
}

type Kept = (Instant, Option<Arc<Prepared>>);

/// The shared pages: each bundle's shell, the storage their cards are read from, and the
/// pages rendered within the last minute (an unknown id too, so probing ids costs no more).
pub struct SharePages {
    storage: Arc<dyn Storage>,
    shells: Vec<(Entry, Shell)>,
    kept: Mutex<HashMap<(Shared, Lang), Kept>>,
}

impl SharePages {
    /// `shells`: each bundle's `index.html` (those without a `<title>` get no cards).
    pub fn new(storage: Arc<dyn Storage>, shells: Vec<(Entry, String)>) -> SharePages {
        SharePages {
            storage,
            shells: shells
                .into_iter()
                .filter_map(|(entry, html)| Shell::parse(&html).map(|shell| (entry, shell)))
                .collect(),
            kept: Mutex::new(HashMap::new()),
        }
    }

    /// `page` with its card, or `None` (serve the plain shell): no such activity or session,
    /// no shell to write into, or the database did not answer (logged).
    pub async fn page(&self, page: Shared, lang: Lang) -> Option<Arc<Prepared>> {
        let key = (page, lang);
        if let Ok(kept) = self.kept.lock() {
            if let Some((at, rendered)) = kept.get(&key) {
                if at.elapsed() < FRESH_FOR {
                    return rendered.clone();
                }
            }
        }
        let shell = self
            .shells
            .iter()
            .find(|(entry, _)| *entry == page.entry())
            .map(|(_, shell)| shell)?;
        let now = Utc::now();
        let card = match page {
            Shared::Activity(id) => self
                .storage
                .activity(id, now)
                .await
                .map(|a| a.map(|a| Card::of_activity(&a, lang))),
            Shared::Booking(id) | Shared::Samples(id) => self
                .storage
                .session(id, now)
                .await
                .map(|s| s.and_then(|s| Card::of_session(&s, page, lang))),
        };
        let card = match card {
            Ok(card) => card,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a shared page's card");
                return None;
            }
        };
        let rendered = card.map(|card| Arc::new(card_page(shell.with(&card, lang))));
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= MOST_PAGES {
                kept.clear();
            }
            kept.insert(key, (Instant::now(), rendered.clone()));
        }
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_pages_are_known_by_their_paths() {
        for (path, page) in [
            ("/activities/12", Shared::Activity(12)),
            ("/activities/12/", Shared::Activity(12)),
            ("/sessions/3/book", Shared::Booking(3)),
            ("/sessions/3/samples", Shared::Samples(3)),
        ] {
            assert_eq!(Shared::of_path(path), Some(page), "{path}");
        }
        for other in [
            "/",
            "/activities/0",
            "/activities/-1",
            "/activities/x",
            "/my",
            "/sessions/3",
        ] {
            assert_eq!(Shared::of_path(other), None, "{other}");
        }
    }

    #[test]
    fn the_language_comes_from_the_link() {
        assert_eq!(Lang::of_query(None), Lang::Zh);
        assert_eq!(Lang::of_query(Some("lang=en")), Lang::En);
        assert_eq!(Lang::of_query(Some("embed=1&lang=EN-gb")), Lang::En);
        assert_eq!(Lang::of_query(Some("lang=zh-CN")), Lang::Zh);
        assert_eq!(Lang::of_query(Some("xlang=en")), Lang::Zh);
    }

    #[test]
    fn hostile_text_cannot_leave_its_element_or_attribute() {
        let card = Card {
            title: "</title><script>alert(\"x\")</script>".into(),
            description: "\"><img src=x onerror=alert(1)> & 'quoted'".into(),
        };
        let head = card.head(Lang::Zh);
        assert!(!head.contains("<script"), "{head}");
        assert!(!head.contains("<img"), "{head}");
        assert_eq!(head.matches("<title>").count(), 1);
        assert_eq!(head.matches("</title>").count(), 1);
        assert!(head.contains("&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)"));
        assert!(
            head.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#39;quoted&#39;")
        );
        // Every attribute value stays one value: the quotes that delimit them pair up.
        assert_eq!(head.matches('"').count() % 2, 0);
    }

    #[test]
    fn descriptions_are_one_line_and_cut_at_a_character() {
        let long = "检".repeat(400);
        let d = describe(
            &["机构".into(), String::new()],
            &format!("第一行\n\t第二行 {long}"),
        );
        assert!(d.starts_with("机构 — 第一行 第二行 检"), "{d}");
        assert_eq!(d.chars().count(), DESCRIPTION_CHARS);
        assert!(d.ends_with('…'));
        assert_eq!(describe(&[], "  "), "");
    }

    #[test]
    fn a_shell_loses_its_own_title_and_card_and_takes_the_pages() {
        let head = include_str!("../../../public/head.html");
        let html = format!("<!doctype html><html lang=zh-CN><head>{head}<script>boot()</script></head><body></body></html>");
        let shell = Shell::parse(&html).expect("the head has a title");
        let card = Card {
            title: "食品实验室开放日".into(),
            description: "南昌".into(),
        };
        let page = shell.with(&card, Lang::Zh);
        assert_eq!(page.matches("<title>").count(), 1, "{page}");
        assert!(page.contains("<title>食品实验室开放日 · labday</title>"));
        assert_eq!(page.matches("og:title").count(), 1, "{page}");
        assert_eq!(page.matches("name=\"description\"").count(), 1, "{page}");
        assert!(page.contains("<meta charset=\"utf-8\">"));
        assert!(page.contains("rel=\"manifest\""));
        assert!(page.contains("<script>boot()</script></head>"));
        // Trunk's minified form, unquoted.
        let minified = "<head><meta charset=utf-8><title>x</title><meta name=description content=y><meta content=z property=og:title><link rel=manifest href=/m></head>";
        let page = Shell::parse(minified).expect("title").with(&card, Lang::En);
        assert_eq!(page.matches("og:title").count(), 1, "{page}");
        assert!(
            !page.contains("content=y") && !page.contains("content=z"),
            "{page}"
        );
        assert!(
            page.starts_with("<head><meta charset=utf-8><title>食品实验室开放日 · labday</title>")
        );
        assert!(page.ends_with("<link rel=manifest href=/m></head>"));
        assert!(Shell::parse("<head><meta charset=utf-8></head>").is_none());
    }

    #[test]
    fn dates_read_naturally_in_each_language() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(date_range(d(9, 16), d(9, 16), Lang::Zh), "2026年9月16日");
        assert_eq!(
            date_range(d(9, 16), d(9, 20), Lang::Zh),
            "2026年9月16日至2026年9月20日"
        );
        assert_eq!(
            date_range(d(9, 6), d(9, 20), Lang::En),
            "6 Sep 2026 – 20 Sep 2026"
        );
    }
}
