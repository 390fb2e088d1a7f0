//! One session's door: check visitors in by scanning their QR code or typing the booking
//! code (or a tap in the roster), book walk-ins without a smartphone (`walk_in`), see who
//! has arrived, mark no-shows after the session and export the roster for the records.

use crate::api;
use crate::format;
use crate::i18n::{t, use_lang};
use crate::i18n::{Lang, Msg};
use crate::loaded::{load_id, page_id, Loaded};
use crate::staff::desk::{elsewhere_said, Desk, ScanDesk};
use crate::staff::i18n as s;
use crate::staff::move_booking::MoveForm;
use crate::staff::offline_queue::{Conflict, Local, OfflineDesk};
use crate::staff::use_id_param;
use crate::staff::walk_in::WalkInForm;
use labday_domain::booking::BookingStatus;
use labday_domain::message::DeliveryStatus;
use labday_domain::session::Availability;
use labday_domain::staff::RosterEntry;
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn RosterPage() -> impl IntoView {
    let lang = use_lang();
    let id = use_id_param();
    let roster = load_id(id, api::roster);
    let desk = Desk::new();
    let offline = OfflineDesk::open(id);
    // Offline check-ins are timed on the clock of the session's venue.
    let session = load_id(id, api::session);
    Effect::new(move |_| {
        if let Some(Ok(s)) = session.get() {
            offline.venue_offset(s.utc_offset_minutes);
        }
    });
    // The server's roster is kept on the device for when the network goes.
    Effect::new(move |_| {
        if let Some(Ok(list)) = roster.get() {
            offline.receive(list);
        }
    });
    // A sync the server answered: its roster again (a refused check-in is not in, whatever
    // this device showed), and how many it has taken since the desk opened; what it refused
    // is listed (`OfflineState`), and an offline check-in's news is no longer news.
    Effect::new(move |_| {
        if let Some(n) = offline.synced.get() {
            roster.refetch();
            let text = match n {
                0 => String::new(),
                n => s::OFFLINE_SYNCED_N.fill(lang.get_untracked(), &[("n", &n)]),
            };
            desk.announce.set(text);
        }
    });
    // A desk that closes while open: its roster as the server has it now (its bookings
    // cancelled). One whose session loaded cancelled read it so already.
    Effect::new(move |_| {
        let loaded_cancelled = session
            .get()
            .and_then(Result::ok)
            .is_some_and(|s| s.availability == Availability::Cancelled);
        if desk.closed.get() && !loaded_cancelled {
            roster.refetch();
        }
    });
    // The organiser cancelled the session meanwhile: the desk closes, as it would online.
    Effect::new(move |_| {
        let cancelled = |c: &Conflict| c.reason == ErrorCode::SessionCancelled;
        if offline.conflicts.with(|c| c.iter().any(cancelled)) {
            desk.closed.set(true);
        }
    });
    let here = move |c: String| {
        let l = lang.get_untracked();
        match offline.check_in_here(&c) {
            Local::Queued(name) => {
                desk.code.set(String::new());
                let text = match name {
                    Some(name) => s::OFFLINE_QUEUED_NAME.fill(l, &[("name", &name)]),
                    None => s::OFFLINE_QUEUED_CODE.fill(l, &[("code", &c.trim().to_uppercase())]),
                };
                desk.announce.set(text);
            }
            Local::Refused(code) => desk.failure.set(Some(ApiError::new(code, ""))),
        }
    };
    // The codes on their way to the server: the same code again (scanned twice while a slow
    // network answers) waits for that answer rather than sending a second check-in.
    let in_flight = StoredValue::new(Vec::<String>::new());
    let check = move |c: String, people: Option<u32>| {
        let code = c.trim().to_uppercase();
        if in_flight.with_value(|f| f.contains(&code)) {
            return;
        }
        desk.begin();
        if !offline.online.get_untracked() {
            here(c);
            return;
        }
        in_flight.update_value(|f| f.push(code.clone()));
        let pending = s::CHECKING_IN_CODE.fill(lang.get_untracked(), &[("code", &code)]);
        desk.announce.set(pending.clone());
        spawn_local(async move {
            let answer = match page_id(id.get_untracked()) {
                Ok(session) => api::check_in(session, &c, people).await,
                Err(e) => Err(e),
            };
            in_flight.update_value(|f| f.retain(|x| *x != code));
            // Its own "checking in" goes; another code's, still on its way, stays.
            if desk.announce.with_untracked(|a| *a == pending) {
                desk.announce.set(String::new());
            }
            match answer {
                Ok(done) => {
                    desk.code.set(String::new());
                    roster.refetch();
                    let l = lang.get_untracked();
                    let args: [(&str, &dyn std::fmt::Display); 2] =
                        [("name", &done.entry.name), ("people", &done.people)];
                    desk.announce.set(s::CHECKED_IN_ANNOUNCE.fill(l, &args));
                }
                // The network went between the last sign of it and this check-in.
                Err(e) if e.code == ErrorCode::Network => {
                    offline.online.set(false);
                    here(c);
                }
                Err(e) => desk.failure.set(Some(e)),
            }
        });
    };
    // Marking no-shows counts against each number's bookings: asked first.
    let confirming = RwSignal::new(false);
    let no_shows = move |_| {
        confirming.set(false);
        let call = async move { api::mark_no_shows(page_id(id.get_untracked())?).await };
        desk.act(call, move |done| {
            roster.refetch();
            s::NO_SHOWS_MARKED_N.fill(lang.get_untracked(), &[("n", &done.marked)])
        });
    };
    let on_check = Callback::new(move |c: String| check(c, None));
    view! {
        <ScanDesk desk=desk id=id title=s::ROSTER_TITLE field="checkin-code" label=s::CHECK_IN_BY_CODE
            action=s::CHECK_IN scan=s::SCAN_QR on_code=on_check>
            <OfflineState offline=offline/>
            {move || match offline.roster.get() {
                Some(list) if list.is_empty() => view! { <p class="empty">{t(s::ROSTER_EMPTY)}</p> }.into_any(),
                Some(list) => view! { <RosterTable entries=list on_check=on_check closed=desk.closed/> }.into_any(),
                // Until the first answer (or a failure with nothing kept on the device).
                None => view! { <Loaded from=roster let:_list>""</Loaded> }.into_any(),
            }}
            <p class="actions">
                <a class="button secondary" href=move || id.get().map(api::roster_csv_href) download="">{t(s::EXPORT_CSV)}</a>
                " "
                // A cancelled session's bookings were cancelled with it: nobody to mark. An
                // online seat has no door that tells who came: none to mark either.
                // Nor while this phone holds check-ins not yet sent: those people came.
                <button type="button" hidden=move || desk.closed.get() || desk.online.get()
                    disabled=move || !offline.queue.with(Vec::is_empty) aria-describedby="no-shows-wait"
                    on:click=move |_| confirming.set(true)>{t(s::MARK_NO_SHOWS)}</button>
            </p>
            <p class="small" id="no-shows-wait" hidden=move || offline.queue.with(Vec::is_empty) || desk.online.get()>{t(s::NO_SHOWS_WAIT_SYNC)}</p>
            <Show when=move || confirming.get()>
                <div class="confirm" role="group" aria-label=move || s::MARK_NO_SHOWS.get(lang.get())>
                    <p>{t(s::NO_SHOWS_CONFIRM)}</p>
                    <p class="actions">
                        <button type="button" class="danger" on:click=no_shows>{t(s::NO_SHOWS_CONFIRM_YES)}</button>
                        <button type="button" on:click=move |_| confirming.set(false)>{t(s::NO_SHOWS_CONFIRM_NO)}</button>
                    </p>
                </div>
            </Show>
            // The roster first: at the door staff look people up; a walk-in or a move is the
            // exception.
            <WalkInForm desk=desk id=id on_booked=Callback::new(move |()| roster.refetch())/>
            <MoveForm desk=desk id=id on_moved=Callback::new(move |()| roster.refetch())/>
        </ScanDesk>
    }
}

/// The desk's network state: offline or not, how many check-ins wait to be sent, and what
/// the server refused of them.
#[component]
fn OfflineState(offline: OfflineDesk) -> impl IntoView {
    let lang = use_lang();
    view! {
        <Show when=move || !offline.online.get()>
            <p class="notice" role="status">{t(s::OFFLINE_NOTICE)}</p>
        </Show>
        <p class="small" data-testid="desk-pending">
            {move || s::OFFLINE_PENDING_N.fill(lang.get(), &[("n", &offline.queue.with(Vec::len))])}
        </p>
        {move || {
            let conflicts = offline.conflicts.get();
            (!conflicts.is_empty()).then(|| view! {
                <div class="error" role="alert" data-testid="desk-conflicts">
                    <p>{t(s::OFFLINE_CONFLICTS)}</p>
                    <ul>
                        {conflicts.into_iter().map(|c| {
                            let who = match &c.name {
                                Some(name) => format!("{name} ({})", c.code),
                                None => c.code.clone(),
                            };
                            let l = lang.get();
                            let mut why = conflict_msg(c.reason).get(l).to_owned();
                            if let Some(other) = &c.elsewhere {
                                why.push_str(if l == Lang::Zh { "" } else { " " });
                                why.push_str(&elsewhere_said(other, l));
                            }
                            view! { <li>{who}": "{why}</li> }
                        }).collect_view()}
                    </ul>
                    <button type="button" on:click=move |_| offline.conflicts.set(Vec::new())>
                        {t(s::OFFLINE_CONFLICTS_DISMISS)}
                    </button>
                </div>
            })
        }}
    }
}

/// Why the server refused a queued check-in, in words.
fn conflict_msg(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::NotFound => s::OFFLINE_UNKNOWN_CODE,
        // Its time: before the session's day, or not one a clock shows (the desk sends
        // nothing else the server could find invalid).
        ErrorCode::Invalid => s::OFFLINE_BAD_TIME,
        other => crate::i18n::error_msg(other),
    }
}

#[component]
fn RosterTable(
    entries: Vec<RosterEntry>,
    on_check: Callback<String>,
    closed: RwSignal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    // Organisers reaching the session from a bureau above read it masked: say why.
    let masked = entries.iter().any(|e| e.masked);
    view! {
        {masked.then(|| view! { <p class="small">{t(s::HOLDERS_MASKED)}</p> })}
        <div class="table-wrap">
            <table class="roster checkin">
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
                                <td data-label=t(s::COL_PHONE)>{e.phone.clone()}</td>
                                <td data-label=t(s::COL_PARTY)>{party}</td>
                                <td data-label=t(s::COL_ARRIVED)>{e.checked_in}</td>
                                <td data-label=t(s::COL_STATUS)>{move || format::status_msg(e.status).get(lang.get())}</td>
                                <td data-label=t(s::COL_MESSAGE)>{t(message_msg(e.message))}</td>
                                <td>
                                    <Show when=move || can && !closed.get()>
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
