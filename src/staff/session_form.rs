//! Creating or editing one session: format, title, place or online link, date and times,
//! places (some kept for walk-ins), people per booking, booking window and cancellation
//! deadline. Capacity may go down only to the people already booked and the reserved places
//! still open: the server's refusal is shown beside the field.

use crate::format;
use crate::i18n::{t, use_lang};
use crate::staff::api;
use crate::staff::form::{
    moment_input, read_date, read_moment, read_time, Failure, FormAlert, Input, Typed,
};
use crate::staff::i18n as s;
use chrono::{Duration, NaiveDateTime, NaiveTime};
use labday_domain::activity::Localised;
use labday_domain::schedule::{ScheduledSession, SessionDraft};
use labday_domain::{ApiError, ErrorCode, FieldCode, SessionFormat};
use leptos::prelude::*;
use leptos::task::spawn_local;

const FORMATS: [SessionFormat; 4] = [
    SessionFormat::Visit,
    SessionFormat::Demo,
    SessionFormat::QuickTest,
    SessionFormat::CloudClassroom,
];

/// The choice of a session's format (a visit, a demonstration, a quick test, a cloud
/// classroom), bound to `format`.
#[component]
pub fn FormatSelect(id: &'static str, format: RwSignal<SessionFormat>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="field">
            <label for=id>{t(s::SESSION_FORMAT)}</label>
            <select id=id on:change=move |ev| {
                let v = event_target_value(&ev);
                if let Some(f) = SessionFormat::parse(&v) { format.set(f); }
            }>
                {FORMATS.into_iter().map(|f| view! {
                    <option value=f.as_str() selected=move || format.get() == f>{move || format::format_msg(f).get(lang.get())}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// A sensible new session: tomorrow 09:00–10:00, bookable from now until an hour before,
/// cancellable until two hours before.
fn fresh() -> SessionDraft {
    let now = format::venue_now();
    let starts = (now.date() + Duration::days(1))
        .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    SessionDraft {
        format: SessionFormat::Visit,
        title: Localised::default(),
        place: Localised::default(),
        address: Localised::default(),
        join_link: None,
        starts_at: starts,
        ends_at: starts + Duration::hours(1),
        capacity: 30,
        reserved_places: 0,
        per_booking_limit: 5,
        booking_opens_at: now.date().and_time(NaiveTime::MIN),
        booking_closes_at: starts - Duration::hours(1),
        cancel_deadline: starts - Duration::hours(2),
    }
}

/// When a session starting at `starts_at` ends, given the time it ends: that day, or the
/// next when the time is not after the start (an evening session that runs past midnight;
/// the same time is a whole day, the longest a session may last, as a series of 24-hour
/// slots makes).
fn ends_after(starts_at: NaiveDateTime, ends: NaiveTime) -> NaiveDateTime {
    let ends_at = starts_at.date().and_time(ends);
    match ends <= starts_at.time() {
        true => ends_at + Duration::days(1),
        false => ends_at,
    }
}

/// The Chinese text typed, with the English one it had while the Chinese is unchanged. The
/// form edits only the Chinese: once that changes, an English one would say something else
/// (an old room, an old market), so it goes and English readers see the Chinese, as they do
/// for any text without a translation; an address cleared is gone in both languages.
fn with_english(zh: String, was: &Localised) -> Localised {
    let en = if zh.trim() == was.zh.trim() {
        was.en.clone()
    } else {
        String::new()
    };
    Localised::new(zh, en)
}

/// The form's fields; `existing` is the session being edited (with its booked count).
/// Moving the session's date or start moves its booking and cancellation deadlines by as
/// much.
#[component]
pub fn SessionForm(
    activity_id: i64,
    existing: Option<ScheduledSession>,
    #[prop(into)] on_saved: Callback<String>,
    /// Called when the server refuses the change because someone saved the session
    /// meanwhile: the list it came from should show the session as it is now.
    #[prop(optional, into)]
    on_stale: Option<Callback<()>>,
) -> impl IntoView {
    let lang = use_lang();
    let editing = existing.as_ref().map(|e| (e.id, e.booked, e.revision));
    let start = existing
        .as_ref()
        .map(|e| e.draft.clone())
        .unwrap_or_else(fresh);
    let format = RwSignal::new(start.format);
    let title = RwSignal::new(start.title.zh.clone());
    let place = RwSignal::new(start.place.zh.clone());
    let address = RwSignal::new(start.address.zh.clone());
    let link = RwSignal::new(start.join_link.clone().unwrap_or_default());
    let date = RwSignal::new(start.starts_at.date().to_string());
    let starts = RwSignal::new(start.starts_at.format("%H:%M").to_string());
    let ends = RwSignal::new(start.ends_at.format("%H:%M").to_string());
    let capacity = RwSignal::new(start.capacity.to_string());
    let reserved = RwSignal::new(start.reserved_places.to_string());
    let limit = RwSignal::new(start.per_booking_limit.to_string());
    let opens = RwSignal::new(moment_input(start.booking_opens_at));
    let closes = RwSignal::new(moment_input(start.booking_closes_at));
    let cancel_by = RwSignal::new(moment_input(start.cancel_deadline));
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    // The texts as they were, for their English (set through the API), which the form keeps
    // only beside an unchanged Chinese one.
    let was = StoredValue::new((
        start.title.clone(),
        start.place.clone(),
        start.address.clone(),
    ));

    // When the session moves, its booking deadline and cancellation deadline move with it,
    // keeping their distance from its start: a new session's defaults are an hour and two
    // before it, and a session moved to another day should not stop taking bookings on the
    // old one.
    let starts_at = move || Some(read_date(&date.get())?.and_time(read_time(&starts.get())?));
    let moved_from = StoredValue::new(Some(start.starts_at));
    Effect::new(move |_| {
        // A date out of service is marked on its own; the deadlines wait for a real one.
        let Some(now) = starts_at() else { return };
        if let Some(before) = moved_from.get_value().filter(|b| *b != now) {
            for deadline in [closes, cancel_by] {
                let moved = read_moment(&deadline.get_untracked())
                    .and_then(|at| at.checked_add_signed(now - before));
                if let Some(at) = moved {
                    deadline.set(moment_input(at));
                }
            }
        }
        moved_from.set_value(Some(now));
    });

    let draft = move || -> Result<SessionDraft, ApiError> {
        let mut typed = Typed::default();
        let day = typed.date("starts_on", date);
        let starts_at = day.and_time(typed.time("starts_at", starts));
        let ends_at = ends_after(starts_at, typed.time("ends_at", ends));
        let online = format.get_untracked() == SessionFormat::CloudClassroom;
        let draft = SessionDraft {
            format: format.get_untracked(),
            title: was.with_value(|w| with_english(title.get_untracked(), &w.0)),
            place: was.with_value(|w| with_english(place.get_untracked(), &w.1)),
            address: was.with_value(|w| with_english(address.get_untracked(), &w.2)),
            join_link: online.then(|| link.get_untracked()),
            starts_at,
            ends_at,
            capacity: typed.count("capacity", capacity),
            reserved_places: typed.count("reserved_places", reserved),
            per_booking_limit: typed.count("per_booking_limit", limit),
            booking_opens_at: typed.moment("booking_opens_at", opens),
            booking_closes_at: typed.moment("booking_closes_at", closes),
            cancel_deadline: typed.moment("cancel_deadline", cancel_by),
        };
        typed.finish(draft)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        failure.set(None);
        let d = match draft() {
            Ok(d) => d,
            Err(e) => {
                failure.set(Some(e));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            let l = lang.get_untracked();
            let done = match editing {
                Some((id, _, revision)) => api::update_session(id, revision, &d).await.map(|c| {
                    if c.promoted_people > 0 {
                        s::SAVED_PROMOTED.fill(l, &[("n", &c.promoted_people)])
                    } else {
                        s::SAVED.get(l).to_owned()
                    }
                }),
                None => api::create_session(activity_id, &d).await.map(|v| {
                    s::SESSION_CREATED_AT
                        .fill(l, &[("slot", &format::slot(v.starts_at, v.ends_at, l))])
                }),
            };
            busy.set(false);
            match done {
                Ok(message) => on_saved.run(message),
                // The capacity refusal belongs beside the capacity field.
                Err(e) if e.code == ErrorCode::CapacityBelowBooked => failure.set(Some(
                    e.with_field("capacity", FieldCode::CapacityBelowBooked),
                )),
                Err(e) => {
                    if e.code == ErrorCode::EditedMeanwhile {
                        on_stale.inspect(|c| c.run(()));
                    }
                    failure.set(Some(e));
                }
            }
        });
    };
    let online = move || format.get() == SessionFormat::CloudClassroom;
    view! {
        <form class="booking-form console-form" on:submit=submit novalidate>
            <FormatSelect id="session-format" format=format/>
            <Input id="session-title" label=s::SESSION_NAME key="title" value=title failure=failure/>
            <Show when=move || !online() fallback=move || view! {
                <Input id="session-link" label=s::SESSION_LINK key="join_link" value=link failure=failure kind="url"/>
            }>
                <Input id="session-place" label=s::SESSION_PLACE key="place" value=place failure=failure/>
                <Input id="session-address" label=s::SESSION_ADDRESS key="address" value=address failure=failure/>
            </Show>
            <div class="party">
                <Input id="session-date" label=s::SESSION_DATE key="starts_on" value=date failure=failure kind="date"/>
                <Input id="session-starts" label=s::SESSION_STARTS key="starts_at" value=starts failure=failure kind="time"/>
                <Input id="session-ends" label=s::SESSION_ENDS key="ends_at" value=ends failure=failure kind="time"/>
                <Input id="session-capacity" label=s::SESSION_CAPACITY key="capacity" value=capacity failure=failure kind="count"/>
                <Input id="session-reserved" label=s::SESSION_RESERVED key="reserved_places" value=reserved failure=failure kind="count"/>
                <Input id="session-limit" label=s::SESSION_LIMIT key="per_booking_limit" value=limit failure=failure kind="count"/>
            </div>
            <p class="small" aria-live="polite">{move || {
                let ends = read_time(&ends.get())?;
                let starts_at = starts_at()?;
                (ends_after(starts_at, ends).date() > starts_at.date())
                    .then(|| s::ENDS_NEXT_DAY.get(lang.get()))
            }}</p>
            {editing.map(|(_, booked, _)| view! {
                <p class="small">{move || s::BOOKED_NOW_N.fill(lang.get(), &[("n", &booked)])}</p>
            })}
            <Input id="session-opens" label=s::SESSION_OPENS key="booking_opens_at" value=opens failure=failure kind="datetime-local"/>
            <Input id="session-closes" label=s::SESSION_CLOSES key="booking_closes_at" value=closes failure=failure kind="datetime-local"/>
            <Input id="session-cancel-by" label=s::SESSION_CANCEL_BY key="cancel_deadline" value=cancel_by failure=failure kind="datetime-local"/>
            <FormAlert failure=failure shown=&["title", "place", "address", "join_link", "starts_on", "starts_at", "ends_at", "capacity", "reserved_places", "per_booking_limit", "booking_opens_at", "booking_closes_at", "cancel_deadline"]/>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                {move || if editing.is_some() { s::SAVE.get(lang.get()) } else { s::CREATE_SESSION.get(lang.get()) }}
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::{ends_after, with_english};
    use chrono::{NaiveDate, NaiveTime};
    use labday_domain::activity::Localised;

    #[test]
    fn english_stays_only_beside_the_chinese_it_translates() {
        let was = Localised::new("一楼大厅", "Ground-floor lobby");
        assert_eq!(
            with_english("一楼大厅 ".into(), &was).en,
            "Ground-floor lobby"
        );
        assert_eq!(
            with_english("三楼".into(), &was),
            Localised::new("三楼", "")
        );
        assert_eq!(with_english("".into(), &was), Localised::default());
    }

    #[test]
    fn an_end_not_after_the_start_is_the_next_days() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let at = |d: NaiveDate, h: u32| d.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap());
        let next = day.succ_opt().unwrap();
        let hour = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        assert_eq!(ends_after(at(day, 9), hour(11)), at(day, 11));
        assert_eq!(ends_after(at(day, 22), hour(1)), at(next, 1));
        assert_eq!(ends_after(at(day, 23), hour(0)), at(next, 0));
        // The same time: a whole day, as a series of 24-hour slots makes them.
        assert_eq!(ends_after(at(day, 9), hour(9)), at(next, 9));
    }
}
