//! One session's door: check visitors in by scanning their QR code or typing the booking
//! code (or a tap in the roster), book walk-ins without a smartphone (`walk_in`), see who
//! has arrived, mark no-shows after the session and export the roster for the records.

use crate::api;
use crate::format;
use crate::i18n::Msg;
use crate::i18n::{t, use_lang};
use crate::loaded::{load_id, page_id, Loaded};
use crate::staff::desk::{Desk, ScanDesk};
use crate::staff::i18n as s;
use crate::staff::move_booking::MoveForm;
use crate::staff::use_id_param;
use crate::staff::walk_in::WalkInForm;
use labday_domain::booking::BookingStatus;
use labday_domain::message::DeliveryStatus;
use labday_domain::staff::RosterEntry;
use leptos::prelude::*;

#[component]
pub fn RosterPage() -> impl IntoView {
    let lang = use_lang();
    let id = use_id_param();
    let roster = load_id(id, api::roster);
    let desk = Desk::new();
    let check = move |c: String, people: Option<u32>| {
        let call = async move { api::check_in(page_id(id.get_untracked())?, &c, people).await };
        desk.act(call, move |done| {
            desk.code.set(String::new());
            roster.refetch();
            let l = lang.get_untracked();
            s::CHECKED_IN_ANNOUNCE.fill(l, &[("name", &done.entry.name), ("people", &done.people)])
        });
    };
    let no_shows = move |_| {
        let call = async move { api::mark_no_shows(page_id(id.get_untracked())?).await };
        desk.act(call, move |done| {
            roster.refetch();
            s::NO_SHOWS_MARKED_N.fill(lang.get_untracked(), &[("n", &done.marked)])
        });
    };
    let on_check = Callback::new(move |c: String| check(c, None));
    view! {
        <ScanDesk desk=desk id=id title=s::ROSTER_TITLE field="checkin-code" label=s::CHECK_IN_BY_CODE
            action=s::CHECK_IN on_code=on_check>
            <WalkInForm desk=desk id=id on_booked=Callback::new(move |()| roster.refetch())/>
            <MoveForm desk=desk id=id on_moved=Callback::new(move |()| roster.refetch())/>
            <Loaded from=roster let:list>
                {if list.is_empty() {
                    view! { <p class="empty">{t(s::ROSTER_EMPTY)}</p> }.into_any()
                } else {
                    view! { <RosterTable entries=list on_check=on_check/> }.into_any()
                }}
            </Loaded>
            <p class="actions">
                <a class="button secondary" href=move || id.get().map(api::roster_csv_href) download="">{t(s::EXPORT_CSV)}</a>
                " "
                <button type="button" on:click=no_shows>{t(s::MARK_NO_SHOWS)}</button>
            </p>
        </ScanDesk>
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
                        <th scope="col">{t(s::COL_NAME)}</th>
                        <th scope="col">{t(s::COL_PHONE)}</th>
                        <th scope="col">{t(s::COL_PARTY)}</th>
                        <th scope="col">{t(s::COL_ARRIVED)}</th>
                        <th scope="col">{t(s::COL_STATUS)}</th>
                        <th scope="col">{t(s::COL_MESSAGE)}</th>
                        <th scope="col"><span class="sr-only">{t(s::CHECK_IN)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|e| {
                        let party = e.adults.saturating_add(e.children);
                        let can = matches!(e.status, BookingStatus::Confirmed | BookingStatus::CheckedIn | BookingStatus::NoShow) && e.checked_in < party;
                        let code = e.code.clone();
                        let name = e.name.clone();
                        let label = move || s::CHECK_IN_NAME.fill(lang.get(), &[("name", &name)]);
                        view! {
                            <tr>
                                <td>
                                    {e.name.clone()}<br/><span class="small">{e.code.clone()}</span>
                                    {e.walk_in.then(|| view! { " "<span class="badge">{t(s::WALK_IN_MARK)}</span> })}
                                </td>
                                <td>{e.phone.clone()}</td>
                                <td>{party}</td>
                                <td>{e.checked_in}</td>
                                <td>{move || format::status_msg(e.status).get(lang.get())}</td>
                                <td>{t(message_msg(e.message))}</td>
                                <td>
                                    <Show when=move || can>
                                        <button type="button" aria-label=label.clone() on:click={
                                            let code = code.clone();
                                            move |_| on_check.run(code.clone())
                                        }>{t(s::CHECK_IN)}</button>
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

/// How the holder's latest text message stands, in words.
fn message_msg(status: Option<DeliveryStatus>) -> Msg {
    match status {
        Some(DeliveryStatus::Sent) => s::MESSAGE_SENT,
        Some(DeliveryStatus::Pending) => s::MESSAGE_PENDING,
        Some(DeliveryStatus::Failed) => s::MESSAGE_FAILED,
        None => s::MESSAGE_NONE,
    }
}
