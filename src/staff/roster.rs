//! One session's door: check visitors in by scanning their QR code or typing the booking
//! code (or a tap in the roster), see who has arrived, mark no-shows after the session and
//! export the roster for the records.

use crate::api;
use crate::components::status::{ErrorPanel, Loading};
use crate::format;
use crate::i18n::{self, error_msg, t, use_lang};
use crate::staff::scanner;
use labday_domain::booking::BookingStatus;
use labday_domain::staff::RosterEntry;
use labday_domain::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use wasm_bindgen::JsCast;

#[component]
pub fn RosterPage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let session = LocalResource::new(move || {
        let id = id();
        async move { api::session(id).await }
    });
    let roster = LocalResource::new(move || {
        let id = id();
        async move { api::roster(id).await }
    });
    let code = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let announce = RwSignal::new(String::new());
    let scanning = RwSignal::new(false);

    let check = move |c: String, people: Option<u32>| {
        failure.set(None);
        spawn_local(async move {
            match api::check_in(id(), &c, people).await {
                Ok(done) => {
                    let l = lang.get_untracked();
                    announce.set(format!(
                        "{}: {} · {} {}",
                        i18n::CHECKED_IN_NOW.get(l),
                        done.entry.name,
                        done.people,
                        i18n::PEOPLE.get(l)
                    ));
                    code.set(String::new());
                    roster.refetch();
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        check(code.get_untracked(), None);
    };
    let video = NodeRef::<leptos::html::Video>::new();
    let toggle_scan = move |_| {
        if scanning.get_untracked() {
            scanner::stop();
            scanning.set(false);
            return;
        }
        scanning.set(true);
        spawn_local(async move {
            let Some(el) = video.get_untracked() else {
                return;
            };
            let el: web_sys::HtmlVideoElement = el.unchecked_into();
            if let Err(e) = scanner::start(&el, move |text| check(text, None)).await {
                scanning.set(false);
                announce.set(e);
            }
        });
    };
    on_cleanup(scanner::stop);
    let no_shows = move |_| {
        failure.set(None);
        spawn_local(async move {
            match api::mark_no_shows(id()).await {
                Ok(done) => {
                    announce.set(format!(
                        "{}: {}",
                        i18n::NO_SHOWS_MARKED.get(lang.get_untracked()),
                        done.marked
                    ));
                    roster.refetch();
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let can_scan = scanner::scan_supported();

    view! {
        <p><a href="/staff/" class="back">{t(i18n::BACK)}</a></p>
        <h1>{t(i18n::ROSTER_TITLE)}</h1>
        {move || session.get().and_then(Result::ok).map(|s| {
            let l = lang.get();
            view! {
                <p class="title">{format!("{} · {}", s.activity_title.get(l.code()), s.title.get(l.code()))}</p>
                <p class="meta">{format!("{} · {}", format::slot(s.starts_at, s.ends_at, l), s.place.get(l.code()))}</p>
            }
        })}
        <p class="sr-only" role="status" aria-live="polite">{move || announce.get()}</p>
        <p class="notice" aria-hidden="true">{move || announce.get()}</p>
        <form class="booking-form" on:submit=submit>
            <label for="checkin-code">{t(i18n::CHECK_IN_BY_CODE)}</label>
            <input id="checkin-code" autocomplete="off" autocapitalize="characters" bind:value=code/>
            <button type="submit" class="primary">{t(i18n::CHECK_IN)}</button>
        </form>
        <p>
            {if can_scan {
                view! {
                    <button type="button" on:click=toggle_scan>
                        {move || if scanning.get() { i18n::SCAN_STOP.get(lang.get()) } else { i18n::SCAN_QR.get(lang.get()) }}
                    </button>
                }.into_any()
            } else {
                view! { <span class="small">{t(i18n::SCAN_UNSUPPORTED)}</span> }.into_any()
            }}
        </p>
        <video node_ref=video class="scanner" playsinline muted hidden=move || !scanning.get()></video>
        <div aria-live="assertive">
            {move || failure.get().map(|e| {
                let msg = error_msg(e.code);
                view! { <p class="error" role="alert">{move || msg.get(lang.get())}</p> }
            })}
        </div>
        {move || match roster.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(e)) => view! { <ErrorPanel error=e retry=Callback::new(move |_| roster.refetch())/> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{t(i18n::ROSTER_EMPTY)}</p> }.into_any(),
            Some(Ok(list)) => view! { <RosterTable entries=list on_check=Callback::new(move |c: String| check(c, None))/> }.into_any(),
        }}
        <p class="actions">
            <a class="button secondary" href=move || api::roster_csv_href(id()) download="">{t(i18n::EXPORT_CSV)}</a>
            " "
            <button type="button" on:click=no_shows>{t(i18n::MARK_NO_SHOWS)}</button>
        </p>
    }
}

#[component]
fn RosterTable(entries: Vec<RosterEntry>, on_check: Callback<String>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="table-wrap">
            <table class="roster">
                <thead>
                    <tr>
                        <th scope="col">{t(i18n::COL_NAME)}</th>
                        <th scope="col">{t(i18n::COL_PHONE)}</th>
                        <th scope="col">{t(i18n::COL_PARTY)}</th>
                        <th scope="col">{t(i18n::COL_ARRIVED)}</th>
                        <th scope="col">{t(i18n::COL_STATUS)}</th>
                        <th scope="col"><span class="sr-only">{t(i18n::CHECK_IN)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|e| {
                        let party = e.adults.saturating_add(e.children);
                        let can = matches!(e.status, BookingStatus::Confirmed | BookingStatus::CheckedIn | BookingStatus::NoShow) && e.checked_in < party;
                        let code = e.code.clone();
                        let name = e.name.clone();
                        let label = move || format!("{} {}", i18n::CHECK_IN.get(lang.get()), name);
                        view! {
                            <tr>
                                <td>{e.name.clone()}<br/><span class="small">{e.code.clone()}</span></td>
                                <td>{e.phone.clone()}</td>
                                <td>{party}</td>
                                <td>{e.checked_in}</td>
                                <td>{move || format::status_msg(e.status).get(lang.get())}</td>
                                <td>
                                    <Show when=move || can>
                                        <button type="button" aria-label=label.clone() on:click={
                                            let code = code.clone();
                                            move |_| on_check.run(code.clone())
                                        }>{t(i18n::CHECK_IN)}</button>
                                    </Show>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
