//! Home: upcoming activities as cards, filterable by type, city and date. Filters live in
//! the address (`/?category=demo&city=南昌`), so a filtered list can be shared.

use crate::api;
use crate::format;
use crate::i18n::{self, t, use_lang, Lang, Msg};
use crate::loaded::{load, Loaded};
use crate::route::{self, use_query_map};
use crate::text::text;
use labday_domain::activity::{ActivityKind, Category};
use labday_domain::time::parse_date;
use labday_domain::{ActivityFilter, ActivitySummary};
use leptos::prelude::*;

fn category_msg(c: Category) -> Msg {
    match c {
        Category::LabOpenDay => i18n::CAT_LAB_OPEN_DAY,
        Category::Demo => i18n::CAT_DEMO,
        Category::QuickTest => i18n::CAT_QUICK_TEST,
        Category::CloudClassroom => i18n::CAT_CLOUD,
        Category::CertificationWeek => i18n::CAT_CERT_WEEK,
        Category::Training => i18n::KIND_TRAINING,
    }
}

pub fn kind_msg(k: ActivityKind) -> Msg {
    match k {
        ActivityKind::LabOpenDay => i18n::CAT_LAB_OPEN_DAY,
        ActivityKind::CertificationWeek => i18n::CAT_CERT_WEEK,
        ActivityKind::Training => i18n::KIND_TRAINING,
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    crate::title::use_title(i18n::APP_NAME);
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        ActivityFilter {
            category: q.get("category").and_then(|c| Category::parse(&c)),
            city: q.get("city").filter(|c| !c.is_empty()),
            date: q.get("date").and_then(|d| parse_date(&d)),
        }
    });
    // The server picks the day's activities (it knows which days hold sessions); category
    // and city filter here with the rule the server uses, without asking again.
    let date = Memo::new(move |_| filter.with(|f| f.date));
    let activities = load(move || {
        let on_day = ActivityFilter {
            date: date.get(),
            ..ActivityFilter::default()
        };
        async move { api::list_activities(&on_day).await }
    });
    let set_param = move |key: &'static str, value: String| {
        let mut f = filter.get_untracked();
        match key {
            "category" => f.category = Category::parse(&value),
            "city" => f.city = Some(value).filter(|v| !v.is_empty()),
            _ => f.date = parse_date(&value),
        }
        let mut parts = Vec::new();
        if let Some(c) = f.category {
            parts.push(format!("category={}", c.as_str()));
        }
        if let Some(c) = &f.city {
            parts.push(format!("city={}", js_sys::encode_uri_component(c)));
        }
        if let Some(d) = f.date {
            parts.push(format!("date={d}"));
        }
        let url = if parts.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{}", parts.join("&"))
        };
        route::replace(&url);
    };
    let set_param = StoredValue::new(set_param);
    let lang = use_lang();
    view! {
        <h1>{t(i18n::HOME_TITLE)}</h1>
        <p class="intro">{t(i18n::HOME_INTRO)}</p>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label for="filter-category">
                <span>{t(i18n::FILTER_CATEGORY)}</span>
                <select id="filter-category" on:change=move |ev| set_param.with_value(|f| f("category", event_target_value(&ev)))
                    prop:value=text(move || filter.get().category.map(Category::as_str).unwrap_or_default().to_owned())>
                    <option value="">{t(i18n::FILTER_ALL)}</option>
                    {Category::ALL.into_iter().map(|c| view! {
                        <option value=c.as_str()>{t(category_msg(c))}</option>
                    }).collect_view()}
                </select>
            </label>
            <label for="filter-city">
                <span>{t(i18n::FILTER_CITY)}</span>
                <select id="filter-city" on:change=move |ev| set_param.with_value(|f| f("city", event_target_value(&ev)))
                    prop:value=text(move || filter.get().city.unwrap_or_default())>
                    <option value="">{t(i18n::FILTER_ALL)}</option>
                    {move || cities(activities.get().and_then(Result::ok).unwrap_or_default(), lang.get())
                        .into_iter()
                        // The chosen city marks its own option: the list arrives after the
                        // select's value was set (from a link's `?city=`).
                        .map(|(value, label)| {
                            let chosen = filter.with_untracked(|f| f.city.as_deref() == Some(value.as_str()));
                            view! { <option value=value selected=chosen>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label for="filter-date">
                <span>{t(i18n::FILTER_DATE)}</span>
                <input id="filter-date" type="date" on:change=move |ev| set_param.with_value(|f| f("date", event_target_value(&ev)))
                    prop:value=text(move || filter.get().date.map(|d| d.to_string()).unwrap_or_default())/>
            </label>
        </form>
        <section aria-live="polite" aria-busy=text(move || activities.get().is_none().to_string())>
            <Loaded from=activities let:all>
                {
                    let f = filter.get();
                    let shown: Vec<ActivitySummary> = all.into_iter().filter(|a| f.matches(a)).collect();
                    if shown.is_empty() {
                        view! {
                            <div class="empty">
                                <p>{t(i18n::NO_ACTIVITIES)}</p>
                                <a href="/">{t(i18n::FILTER_CLEAR)}</a>
                            </div>
                        }.into_any()
                    } else {
                        view! {
                            <ul class="cards">
                                {shown.into_iter().map(|a| view! { <ActivityCard activity=a/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }
            </Loaded>
        </section>
    }
}

/// City options (value in Chinese, label in the reader's language), each once.
fn cities(all: Vec<ActivitySummary>, lang: Lang) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for a in all {
        // An organisation with no city names none to choose.
        if !a.city.zh.is_empty() && !out.iter().any(|(v, _)| *v == a.city.zh) {
            let label = a.city.get(lang.code()).to_owned();
            out.push((a.city.zh, label));
        }
    }
    out
}

#[component]
fn ActivityCard(activity: ActivitySummary) -> impl IntoView {
    let lang = use_lang();
    let a = StoredValue::new(activity);
    let href = format!("/activities/{}", a.with_value(|a| a.id));
    view! {
        <li class="card">
            <a href=href class="card-link">
                <span class="kind">{t(kind_msg(a.with_value(|a| a.kind)))}</span>
                <h2>{text(move || a.with_value(|a| a.title.get(lang.get().code()).to_owned()))}</h2>
                <p class="org">{text(move || a.with_value(|a| a.organisation.get(lang.get().code()).to_owned()))}</p>
                <p class="meta">
                    {text(move || a.with_value(|a| format!("{} · {}", a.city.get(lang.get().code()), format::date_range(a.starts_on, a.ends_on, lang.get()))))}
                </p>
                <p class="formats">
                    {text(move || a.with_value(|a| a.formats.iter().map(|f| format::format_msg(*f).get(lang.get())).collect::<Vec<_>>().join(" · ")))}
                </p>
                <p class=a.with_value(|a| format::availability_class(a.availability))>
                    {text(move || a.with_value(|a| {
                        let l = lang.get();
                        i18n::AVAILABILITY_LEFT.fill(l, &[("availability", &format::availability_msg(a.availability).get(l)), ("left", &a.places_left)])
                    }))}
                </p>
            </a>
        </li>
    }
}
