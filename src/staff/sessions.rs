//! Picking the session to work: activities, then their sessions by day.

use crate::api;
use crate::components::status::{ErrorPanel, Loading};
use crate::format;
use crate::i18n::{self, t, use_lang};
use labday_domain::{ActivityFilter, SessionFormat};
use leptos::prelude::*;

#[component]
pub fn SessionsPage() -> impl IntoView {
    let lang = use_lang();
    let activities =
        LocalResource::new(|| async { api::list_activities(&ActivityFilter::default()).await });
    let chosen = RwSignal::new(None::<i64>);
    let detail = LocalResource::new(move || {
        let id = chosen.get();
        async move {
            match id {
                Some(id) => Some(api::activity(id).await),
                None => None,
            }
        }
    });
    view! {
        <h1>{t(i18n::CHOOSE_SESSION)}</h1>
        {move || match activities.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(e)) => view! { <ErrorPanel error=e retry=Callback::new(move |_| activities.refetch())/> }.into_any(),
            Some(Ok(list)) => view! {
                <label for="activity">{t(i18n::CHOOSE_ACTIVITY)}</label>
                <select id="activity" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                    <option value="">"—"</option>
                    {list.into_iter().map(|a| {
                        let label = format!("{} · {}", a.title.get(lang.get_untracked().code()), a.organisation.get(lang.get_untracked().code()));
                        view! { <option value=a.id.to_string()>{label}</option> }
                    }).collect_view()}
                </select>
            }.into_any(),
        }}
        // Outside the session list, so refreshing the list keeps the form and its message.
        {move || chosen.get().map(|activity_id| view! {
            <crate::staff::series::SeriesForm activity_id=activity_id on_created=Callback::new(move |_| detail.refetch())/>
        })}
        {move || match detail.get() {
            None | Some(None) => ().into_any(),
            Some(Some(Err(e))) => view! { <ErrorPanel error=e/> }.into_any(),
            Some(Some(Ok(a))) => {
                let l = lang.get();
                view! {
                    <h2>{i18n::SESSIONS.get(l)}</h2>
                    <ul class="sessions">
                        {a.sessions.into_iter().map(|s| {
                            let label = format!("{} · {}", format::slot(s.starts_at, s.ends_at, l), s.title.get(l.code()));
                            view! {
                                <li class="session">
                                    <div class="session-main">
                                        <p class="title">{label.clone()}</p>
                                        <p class="meta">{format!("{} {}/{}", i18n::PLACES_LEFT.get(l), s.places_left, s.capacity)}</p>
                                    </div>
                                    <a class="button" href=format!("/staff/sessions/{}", s.id) aria-label=format!("{} {label}", i18n::OPEN_ROSTER.get(l))>{i18n::OPEN_ROSTER.get(l)}</a>
                                    {(s.format == SessionFormat::QuickTest).then(|| view! {
                                        <a class="button secondary" href=format!("/staff/sessions/{}/samples", s.id) aria-label=format!("{} {label}", i18n::OPEN_SAMPLES.get(l))>{i18n::OPEN_SAMPLES.get(l)}</a>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        }}
    }
}
