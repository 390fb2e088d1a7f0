//! Registering vegetables for a quick-test session: one row per vegetable (variety searched
//! from a list in both languages, or typed; where and when bought), the holder's name and
//! mobile, consent. The same checks as the server run first so errors sit beside their
//! field; the result is a printable label per sample, remembered on this device. The
//! session's results board is one link away, on the activity page.

use crate::api::{self, SessionSheet};
use crate::attempt::Attempt;
use crate::components::phone_code::PhoneCodeField;
use crate::components::privacy::PrivacyNotice;
use crate::components::sample::SampleLabel;
use crate::components::status::FailureAlert;
use crate::dom::focus_soon;
use crate::format;
use crate::i18n::{self, field_msg, t, use_lang, Lang};
use crate::loaded::{load_id, Loaded};
use crate::route::use_id_param;
use crate::store;
use crate::text::{flag, maybe_message, message, text};
use chrono::NaiveDate;
use labday_domain::sample::{
    variety_from_typed, SampleItem, SampleRegistration, Variety, MAX_SAMPLES_PER_PHONE, OTHER,
    VARIETIES,
};
use labday_domain::time::parse_date;
use labday_domain::{FieldCode, Phone, SessionFormat, SessionStatus, WindowState};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[component]
pub fn SamplesPage() -> impl IntoView {
    crate::title::use_title(i18n::SAMPLES_TITLE);
    let id = use_id_param();
    let session = load_id(id, api::session_sheet);
    view! {
        <Loaded from=session messages=i18n::page_error_msg let:session>
            // Only a quick-test session that is not cancelled, from its opening until its
            // end (as the server checks), takes samples: another says so before anything is
            // typed.
            {
                // Opening by the server's clock (its window); the end by the venue's.
                let now = format::now_at(session.utc_offset_minutes);
                match (session.format, session.status) {
                    (SessionFormat::QuickTest, SessionStatus::Cancelled) => {
                        refused(&session, "session-cancelled", |l| i18n::ERR_SESSION_CANCELLED.get(l).into())
                    }
                    (SessionFormat::QuickTest, _) if session.window == WindowState::NotYetOpen => {
                        let opens = session.booking_opens_at;
                        refused(&session, "not-yet-open", move |l| {
                            i18n::SAMPLES_NOT_YET_OPEN.fill(l, &[("at", &format::moment(opens, l))])
                        })
                    }
                    (SessionFormat::QuickTest, _) if now >= session.ends_at => {
                        refused(&session, "session-over", |l| i18n::SAMPLES_SESSION_OVER.get(l).into())
                    }
                    (SessionFormat::QuickTest, _) => view! { <Registration session/> }.into_any(),
                    _ => refused(&session, "not-quick-test", |l| i18n::ERR_NOT_QUICK_TEST.get(l).into()),
                }
            }
        </Loaded>
    }
}

/// Why `session` takes no samples, where the form would be, with the way back.
fn refused(
    session: &SessionSheet,
    testid: &'static str,
    why: impl Fn(Lang) -> String + Send + Sync + 'static,
) -> AnyView {
    let lang = use_lang();
    view! {
        <h1>{t(i18n::SAMPLES_TITLE)}</h1>
        <p class="notice" role="status" data-testid=testid>{text(move || why(lang.get()))}</p>
        <p><a href=format!("/activities/{}", session.activity_id)>{t(i18n::BACK)}</a></p>
    }
    .into_any()
}

/// One vegetable row of the form; `id` keys it while rows come and go.
#[derive(Clone, Copy)]
struct Row {
    id: u32,
    variety: RwSignal<String>,
    bought_at: RwSignal<String>,
    bought_on: RwSignal<String>,
}

impl Row {
    fn new(id: u32, bought_at: String, today: NaiveDate) -> Row {
        Row {
            id,
            variety: RwSignal::new(String::new()),
            bought_at: RwSignal::new(bought_at),
            bought_on: RwSignal::new(today.to_string()),
        }
    }

    fn item(&self) -> SampleItem {
        let (variety, variety_other) = variety_from_typed(&self.variety.get_untracked());
        SampleItem {
            variety,
            variety_other,
            bought_at: self.bought_at.get_untracked(),
            // An unreadable date becomes one the rules refuse, so the field shows why.
            bought_on: parse_date(&self.bought_on.get_untracked()).unwrap_or(NaiveDate::MAX),
        }
    }
}

fn variety_name(v: &Variety, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => v.zh,
        Lang::En => v.en,
    }
}

#[component]
fn Registration(session: SessionSheet) -> impl IntoView {
    let lang = use_lang();
    // The venue's calendar, as the server dates a vegetable by it.
    let offset = session.utc_offset_minutes;
    let s = StoredValue::new(session);
    let today = format::now_at(offset).date();
    let next_id = StoredValue::new(1u32);
    let rows = RwSignal::new(vec![Row::new(0, String::new(), today)]);
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let errors = RwSignal::new(BTreeMap::<String, FieldCode>::new());
    let done = RwSignal::new(None::<Vec<api::SampleSheet>>);
    let attempt = Attempt::new();
    let (busy, failure) = (attempt.busy, attempt.failure);
    let session_id = s.with_value(|s| s.id);
    let back = format!("/activities/{}", s.with_value(|s| s.activity_id));
    let back_to_board = back.clone();

    let add_row = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        // The next vegetable was most likely bought at the same stall.
        let place = rows.with_untracked(|r| r.last().map(|r| r.bought_at.get_untracked()));
        rows.update(|r| r.push(Row::new(id, place.unwrap_or_default(), today)));
        focus_soon(format!("variety-{id}"));
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !attempt.ready() {
            return;
        }
        let mut request = SampleRegistration {
            session_id,
            name: name.get_untracked(),
            phone: phone.get_untracked(),
            consent: consent.get_untracked(),
            samples: rows.with_untracked(|r| r.iter().map(Row::item).collect()),
            lang: lang.get_untracked().of_messages(),
            phone_token: None,
        };
        let show = move |fields: &BTreeMap<String, FieldCode>| show_errors(errors, rows, fields);
        if let Err(e) = request.validate(format::now_at(offset).date()) {
            return show(&e.fields);
        }
        errors.set(BTreeMap::new());
        let phone = request.phone.clone();
        let last4 = Phone::parse(&phone)
            .map(|p| p.last4().to_owned())
            .unwrap_or_default();
        let registered = move |samples: Vec<api::SampleSheet>| {
            for sample in &samples {
                store::remember_sample(sample.code.as_str(), &last4);
            }
            done.set(Some(samples));
            focus_soon("samples-done".into());
        };
        let send = |proof, key: String| async move {
            request.phone_token = proof;
            api::register_samples(&request, &key).await
        };
        attempt.submit(phone, code.get_untracked(), send, registered, show);
    };

    let field_error = move |field: String| {
        maybe_message(move || errors.with(|e| e.get(&field).map(|&c| field_msg(c).get(lang.get()))))
    };
    let invalid =
        move |field: &'static str| text(move || errors.with(|e| e.contains_key(field)).to_string());

    let form = move || {
        view! {
            <p class="small">{t(i18n::SAMPLES_INTRO)}</p>
            <datalist id="varieties">
                {move || VARIETIES.iter().filter(|v| v.key != OTHER).map(|v| view! { <option value=variety_name(v, lang.get())></option> }).collect_view()}
            </datalist>
            <form class="booking-form samples-form" on:submit=submit novalidate>
                <For each=move || rows.get() key=|r| r.id let:row>
                    <SampleRow row=row rows=rows errors=errors offset=offset/>
                </For>
                <p class="field-error" id="samples-error">{field_error("samples".into())}</p>
                <Show when=flag(move || rows.with(|r| r.len() < MAX_SAMPLES_PER_PHONE as usize))>
                    <button type="button" class="secondary" on:click=add_row>{t(i18n::ADD_SAMPLE)}</button>
                </Show>

                <label for="name">{t(i18n::NAME)}</label>
                <input id="name" name="name" autocomplete="name" maxlength="40" bind:value=name
                    aria-invalid=invalid("name") aria-describedby="name-error"/>
                <p class="field-error" id="name-error">{field_error("name".into())}</p>

                <label for="phone">{t(i18n::PHONE)}</label>
                <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="20"
                    bind:value=phone aria-invalid=invalid("phone") aria-describedby="phone-error"/>
                <p class="field-error" id="phone-error">{field_error("phone".into())}</p>
                <PhoneCodeField phone code errors/>

                <PrivacyNotice collected=i18n::SAMPLES_PRIVACY_TEXT retention=i18n::SAMPLES_PRIVACY_RETENTION/>
                <label class="check">
                    <input id="consent" type="checkbox" bind:checked=consent
                        aria-invalid=invalid("consent") aria-describedby="consent-error"/>
                    <span>{t(i18n::CONSENT)}</span>
                </label>
                <p class="field-error" id="consent-error">{field_error("consent".into())}</p>

                <FailureAlert failure=failure fields_beside=true/>
                // As the booking form's: not `disabled`, which drops the keyboard's focus.
                <button type="submit" class="primary" aria-disabled=text(move || busy.get().to_string())>
                    {message(move || if busy.get() { i18n::SUBMITTING.get(lang.get()) } else { i18n::SUBMIT_SAMPLES.get(lang.get()) })}
                </button>
            </form>
        }
    };

    view! {
        <p><a href=back class="back">{t(i18n::BACK)}</a></p>
        {move || match done.get() {
            None => view! {
                <h1>{t(i18n::SAMPLES_TITLE)}</h1>
                <section class="summary">
                    <p class="title">{text(move || s.with_value(|s| format!("{} · {}", s.activity_title.get(lang.get().code()), s.title.get(lang.get().code()))))}</p>
                    <p>{text(move || s.with_value(|s| format::slot(s.starts_at, s.ends_at, lang.get())))}</p>
                    <p>{text(move || s.with_value(|s| format::place_held(&s.place, s.held_at.as_ref(), lang.get())))}</p>
                </section>
                {form}
            }.into_any(),
            Some(samples) => view! {
                <h1 id="samples-done" tabindex="-1">{t(i18n::SAMPLES_DONE_TITLE)}</h1>
                <p class="small no-print">{t(i18n::SAMPLES_DONE_HINT)}</p>
                <ul class="labels">
                    {samples.into_iter().map(|s| view! { <SampleLabel sample=s/> }).collect_view()}
                </ul>
                <p class="no-print">
                    <button type="button" class="primary" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>
                        {t(i18n::PRINT_LABELS)}
                    </button>
                </p>
                <p class="no-print"><a href="/my">{t(i18n::NAV_MY)}</a></p>
            }.into_any(),
        }}
        // The results board lives on the activity page (the browsing bundle), not here.
        <p class="no-print"><a href=back_to_board>{t(i18n::BOARD_TITLE)}</a></p>
    }
}

#[component]
fn SampleRow(
    row: Row,
    rows: RwSignal<Vec<Row>>,
    errors: RwSignal<BTreeMap<String, FieldCode>>,
    /// The venue's offset from UTC, in minutes: no vegetable bought after its today.
    offset: i32,
) -> impl IntoView {
    let lang = use_lang();
    let id = row.id;
    let index = move || rows.with(|r| r.iter().position(|x| x.id == id).unwrap_or(0));
    let err = move |field: &'static str| {
        maybe_message(move || {
            let i = index();
            errors.with(|e| {
                let code = if field == "variety" {
                    e.get(&format!("samples.{i}.variety"))
                        .or_else(|| e.get(&format!("samples.{i}.variety_other")))
                } else {
                    e.get(&format!("samples.{i}.{field}"))
                };
                code.map(|&c| field_msg(c).get(lang.get()))
            })
        })
    };
    let invalid = move |field: &'static str| text(move || err(field)().is_some().to_string());
    let warning = move || {
        let (key, _) = variety_from_typed(&row.variety.get());
        Variety::find(&key)
            .filter(|v| v.enzyme_false_positive)
            .map(|_| view! { <p class="notice" data-testid="false-positive-warning">{t(i18n::FALSE_POSITIVE_WARNING)}</p> })
    };
    let remove = move |_| {
        rows.update(|r| r.retain(|x| x.id != id));
        errors.set(BTreeMap::new());
    };
    let (v, at, on) = (
        format!("variety-{id}"),
        format!("bought-at-{id}"),
        format!("bought-on-{id}"),
    );
    let max_date = format::now_at(offset).date().to_string();
    view! {
        <fieldset class="sample-row">
            <legend>{text(move || i18n::SAMPLE_NUMBER.fill(lang.get(), &[("n", &(index() + 1))]))}</legend>
            <label for=v.clone()>{t(i18n::VARIETY)}</label>
            <input id=v.clone() list="varieties" autocomplete="off" maxlength="20" bind:value=row.variety
                aria-invalid=invalid("variety") aria-describedby=format!("{v}-hint {v}-error")/>
            <p class="small" id=format!("{v}-hint")>{t(i18n::VARIETY_HINT)}</p>
            <p class="field-error" id=format!("{v}-error")>{err("variety")}</p>
            {warning}
            <label for=at.clone()>{t(i18n::BOUGHT_AT)}</label>
            <input id=at.clone() maxlength="40" bind:value=row.bought_at
                aria-invalid=invalid("bought_at") aria-describedby=format!("{at}-error")/>
            <p class="field-error" id=format!("{at}-error")>{err("bought_at")}</p>
            <label for=on.clone()>{t(i18n::BOUGHT_ON)}</label>
            <input id=on.clone() type="date" max=max_date bind:value=row.bought_on
                aria-invalid=invalid("bought_on") aria-describedby=format!("{on}-error")/>
            <p class="field-error" id=format!("{on}-error")>{err("bought_on")}</p>
            <Show when=flag(move || rows.with(|r| r.len() > 1))>
                <button type="button" class="secondary" on:click=remove>{t(i18n::REMOVE_SAMPLE)}</button>
            </Show>
        </fieldset>
    }
}

/// Shows field errors and moves focus to the first wrong field, in the order of the form.
fn show_errors(
    errors: RwSignal<BTreeMap<String, FieldCode>>,
    rows: RwSignal<Vec<Row>>,
    fields: &BTreeMap<String, FieldCode>,
) {
    errors.set(fields.clone());
    let ids: Vec<u32> = rows.with_untracked(|r| r.iter().map(|r| r.id).collect());
    let mut order: Vec<(String, String)> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for (field, dom) in [
            ("variety", "variety"),
            ("variety_other", "variety"),
            ("bought_at", "bought-at"),
            ("bought_on", "bought-on"),
        ] {
            order.push((format!("samples.{i}.{field}"), format!("{dom}-{id}")));
        }
    }
    for f in ["name", "phone", "phone_code", "consent"] {
        order.push((f.into(), f.into()));
    }
    if let Some((_, dom)) = order.iter().find(|(k, _)| fields.contains_key(k)) {
        focus_soon(dom.clone());
    }
}
