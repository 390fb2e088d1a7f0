//! The offline channel at the door and at the bench: staff book a walk-in (someone without
//! a smartphone) from the roster in one tap — one adult, no name, no phone unless given —
//! checked in at once, and register a walk-in's vegetable at the quick-test bench, the
//! sample code announced to write on the bag. Each answer is announced by the desk; the
//! server's refusals appear beside their fields.

use crate::format;
use crate::i18n::{self, t};
use crate::loaded::page_id;
use crate::staff::api;
use crate::staff::desk::Desk;
use crate::staff::form::{Failure, FieldError, FormAlert, Input, Typed};
use crate::staff::i18n as s;
use labday_domain::sample::{variety_from_typed, SampleItem, SampleView, VARIETIES};
use labday_domain::walk_in::{WalkIn, WalkInHolder, WalkInResult, WalkInSamples};
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

/// The optional name and phone both forms ask for, and their values.
#[component]
fn HolderFields(
    name: RwSignal<String>,
    phone: RwSignal<String>,
    failure: Failure,
    /// Tells this form's fields from the other form's on the same page.
    ids: (&'static str, &'static str),
) -> impl IntoView {
    view! {
        <Input id=ids.0 label=s::WALK_IN_NAME key="name" value=name failure=failure autocomplete="off"/>
        <Input id=ids.1 label=s::WALK_IN_PHONE key="phone" value=phone failure=failure kind="tel" autocomplete="off"/>
    }
}

fn holder(name: RwSignal<String>, phone: RwSignal<String>) -> WalkInHolder {
    WalkInHolder {
        name: name.get_untracked(),
        phone: phone.get_untracked(),
    }
}

/// One form's request at a time, and its Idempotency-Key: one key until an answer comes
/// back, so the same walk-in sent again after a lost answer is answered, not booked twice.
#[derive(Clone, Copy)]
struct Sending {
    failure: Failure,
    busy: RwSignal<bool>,
    key: StoredValue<String>,
    lang: RwSignal<i18n::Lang>,
}

impl Sending {
    fn new() -> Sending {
        Sending {
            failure: RwSignal::new(None),
            busy: RwSignal::new(false),
            key: StoredValue::new(crate::attempt::new_key()),
            lang: i18n::use_lang(),
        }
    }
}

/// Sends what `call` makes of the form's key when the domain's own checks passed
/// (`checked`), clearing the desk's last news; the desk announces what `done` makes of the
/// answer, and any refusal appears beside its field. A second tap while the form's request
/// is on its way sends nothing (a walk-in booked twice keeps places no one can give back).
/// An answer or a refusal settles the key, and the next request is another; a lost answer
/// keeps it. `idempotency_mismatch` means the request sent under the key before the answer
/// was lost did land, and the form has changed since: the desk says so, `earlier` shows it
/// (the list read again), and the next tap sends the form as a new one.
fn send<T: 'static, F: Future<Output = Result<T, ApiError>> + 'static>(
    desk: Desk,
    form: Sending,
    checked: Result<(), ApiError>,
    call: impl FnOnce(String) -> F,
    (done, earlier): (impl FnOnce(T) -> String + 'static, Callback<()>),
) {
    if form.busy.get_untracked() {
        return;
    }
    form.failure.set(checked.clone().err());
    if checked.is_err() {
        return;
    }
    // What the last code did (another session named, say) is no longer news.
    desk.begin();
    form.busy.set(true);
    let call = call(form.key.get_value());
    spawn_local(async move {
        let answer = call.await;
        form.busy.set(false);
        let lost = matches!(&answer, Err(e) if matches!(e.code, ErrorCode::Network | ErrorCode::Unavailable));
        if !lost {
            form.key.set_value(crate::attempt::new_key());
        }
        match answer {
            Ok(answer) => desk.announce.set(done(answer)),
            Err(e) if e.code == ErrorCode::IdempotencyMismatch => {
                earlier.run(());
                let words = s::WALK_IN_EARLIER_LANDED.get(form.lang.get_untracked());
                desk.announce.set(words.to_owned());
            }
            Err(e) => {
                desk.closes_on(&e);
                form.failure.set(Some(e));
            }
        }
    });
}

/// Books a walk-in at the roster's session: the button alone books one adult.
#[component]
pub fn WalkInForm(desk: Desk, id: Memo<Option<i64>>, on_booked: Callback<()>) -> impl IntoView {
    let lang = i18n::use_lang();
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let adults = RwSignal::new("1".to_owned());
    let children = RwSignal::new("0".to_owned());
    let form = Sending::new();
    let failure = form.failure;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut typed = Typed::default();
        let walk_in = WalkIn {
            holder: holder(name, phone),
            adults: typed.count("adults", adults),
            children: typed.count("children", children),
        };
        let checked = typed
            .finish(())
            .and_then(|()| walk_in.validate().map(|_| ()));
        let call = move |key: String| async move {
            api::book_walk_in(page_id(id.get_untracked())?, &walk_in, &key).await
        };
        let booked = move |done: WalkInResult| {
            name.set(String::new());
            phone.set(String::new());
            on_booked.run(());
            s::WALK_IN_BOOKED_ANNOUNCE.fill(
                lang.get_untracked(),
                &[
                    ("people", &done.entry.checked_in),
                    ("code", &done.entry.code),
                    ("door", &done.walk_in_places_left),
                    ("online", &done.online_places_left),
                ],
            )
        };
        send(desk, form, checked, call, (booked, on_booked));
    };
    view! {
        <section class="walk-in" aria-labelledby="walk-in-title" hidden=move || desk.closed.get()>
            <h2 id="walk-in-title">{t(s::WALK_IN_TITLE)}</h2>
            <p class="small">{t(s::WALK_IN_HINT)}</p>
            <form class="booking-form console-form" on:submit=submit novalidate>
                <HolderFields name phone failure ids=("walk-in-name", "walk-in-phone")/>
                <div class="party">
                    <Input id="walk-in-adults" label=i18n::ADULTS key="adults" value=adults failure=failure kind="count"/>
                    <Input id="walk-in-children" label=i18n::CHILDREN key="children" value=children failure=failure kind="count"/>
                </div>
                <FormAlert failure=failure shown=&["name", "phone", "adults", "children"]/>
                <button type="submit" class="primary">{t(s::WALK_IN_BOOK)}</button>
            </form>
        </section>
    }
}

/// Registers one of a walk-in's vegetables at the bench's session, received at once.
#[component]
pub fn WalkInSampleForm(
    desk: Desk,
    id: Memo<Option<i64>>,
    on_registered: Callback<Vec<SampleView>>,
    /// Reads the bench's list again (what a lost answer registered is in it).
    on_stale: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    let bought_at = RwSignal::new(String::new());
    // Today on the session's venue's calendar, as the server checks the date: China's until
    // the session is read, then the venue's, the field following unless edited.
    let today = move || format::venue_now_at(desk.offset.get_untracked()).date();
    let bought_on = RwSignal::new(today().to_string());
    let shown = StoredValue::new(bought_on.get_untracked());
    Effect::new(move |_| {
        desk.offset.track();
        let now = today().to_string();
        if bought_on.get_untracked() == shown.get_value() {
            bought_on.set(now.clone());
        }
        shown.set_value(now);
    });
    let form = Sending::new();
    let failure = form.failure;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (variety, variety_other) = variety_from_typed(&typed.get_untracked());
        let request = WalkInSamples {
            holder: holder(name, phone),
            samples: vec![SampleItem {
                variety,
                variety_other,
                bought_at: bought_at.get_untracked(),
                // An unreadable date is refused beside the field by the check below.
                bought_on: bought_on.get_untracked().parse().unwrap_or_default(),
            }],
        };
        let checked = request.validate(today()).map(|_| ());
        let call = move |key: String| async move {
            api::register_walk_in_samples(page_id(id.get_untracked())?, &request, &key).await
        };
        let registered = move |samples: Vec<SampleView>| {
            typed.set(String::new());
            let l = lang.get_untracked();
            let codes: Vec<String> = samples
                .iter()
                .map(|x| {
                    s::WALK_IN_SAMPLE_ANNOUNCE.fill(
                        l,
                        &[
                            ("code", &x.code.display()),
                            (
                                "variety",
                                &crate::components::sample::variety(&x.variety, l),
                            ),
                        ],
                    )
                })
                .collect();
            on_registered.run(samples);
            codes.join(" ")
        };
        send(desk, form, checked, call, (registered, on_stale));
    };
    view! {
        <section class="walk-in" aria-labelledby="walk-in-sample-title" hidden=move || desk.closed.get()>
            <h2 id="walk-in-sample-title">{t(s::WALK_IN_SAMPLE_TITLE)}</h2>
            <form class="booking-form console-form" on:submit=submit novalidate>
                <HolderFields name phone failure ids=("walk-in-sample-name", "walk-in-sample-phone")/>
                <div class="field">
                    <label for="walk-in-variety">{t(i18n::VARIETY)}</label>
                    <input id="walk-in-variety" list="walk-in-varieties" autocomplete="off" maxlength="20" bind:value=typed
                        aria-describedby="walk-in-variety-error"/>
                    <datalist id="walk-in-varieties">
                        {VARIETIES.iter().map(|v| view! { <option value=v.zh></option> }).collect_view()}
                    </datalist>
                    <FieldError failure=failure key="samples.0.variety" id="walk-in-variety"/>
                </div>
                <Input id="walk-in-bought-at" label=i18n::BOUGHT_AT key="samples.0.bought_at" value=bought_at failure=failure/>
                <Input id="walk-in-bought-on" label=i18n::BOUGHT_ON key="samples.0.bought_on" value=bought_on failure=failure kind="date"/>
                <FormAlert failure=failure shown=&["name", "phone", "samples.0.variety", "samples.0.bought_at", "samples.0.bought_on"]/>
                <button type="submit" class="primary">{t(s::WALK_IN_SAMPLE_REGISTER)}</button>
            </form>
        </section>
    }
}
