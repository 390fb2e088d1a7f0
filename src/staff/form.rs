//! Pieces every console form shares: a labelled control whose server error appears right
//! beside it (and is tied to it for screen readers), and the alert above the submit button
//! that says what went wrong in words, naming by label any field the form does not show.

use crate::i18n::{error_msg, use_lang, Msg};
use crate::staff::i18n::{field_error, field_label, FIELD_WITH_ERROR};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use labday_domain::time::in_service;
use labday_domain::{ApiError, ErrorCode, FieldCode};
use leptos::prelude::*;
use std::future::Future;

/// A form's last server error, shared by its fields and its alert.
pub type Failure = RwSignal<Option<ApiError>>;

/// The error code the server reported against `key`, if any.
fn code_of(failure: Failure, key: &'static str) -> Option<FieldCode> {
    failure.with(|f| f.as_ref().and_then(|e| e.fields.get(key).copied()))
}

/// The error shown beside a field (empty when there is none), in the words of `words`
/// (default: the console's words for each code).
#[component]
pub fn FieldError(
    failure: Failure,
    key: &'static str,
    id: &'static str,
    #[prop(optional)] words: Option<fn(FieldCode) -> Msg>,
) -> impl IntoView {
    let lang = use_lang();
    let words = words.unwrap_or(field_error);
    view! {
        <p class="field-error" id=format!("{id}-error")>
            {move || code_of(failure, key).map(|c| words(c).get(lang.get()))}
        </p>
    }
}

/// A field's frame: its label, the control (`children`) and the error the server reported
/// against `key`, shown beside it.
#[component]
fn Field(
    id: &'static str,
    label: Msg,
    key: &'static str,
    failure: Failure,
    words: Option<fn(FieldCode) -> Msg>,
    children: Children,
) -> impl IntoView {
    let lang = use_lang();
    let error = FieldError(FieldErrorProps {
        failure,
        key,
        id,
        words,
    });
    view! {
        <div class="field">
            <label for=id>{move || label.get(lang.get())}</label>
            {children()}
            {error}
        </div>
    }
}

/// A control's `aria-invalid` and `aria-describedby`: set while the server names `key`.
pub fn invalid_attrs(
    failure: Failure,
    key: &'static str,
    id: &'static str,
) -> (
    impl Fn() -> Option<&'static str> + Send + Sync + 'static,
    impl Fn() -> Option<String> + Send + Sync + 'static,
) {
    let invalid = move || code_of(failure, key).is_some();
    (
        move || invalid().then_some("true"),
        move || invalid().then(|| format!("{id}-error")),
    )
}

/// A labelled input bound to `value`, marked invalid with its error beside it when the
/// server names `key`.
#[component]
pub fn Input(
    id: &'static str,
    label: Msg,
    key: &'static str,
    value: RwSignal<String>,
    failure: Failure,
    /// The input's type, or `count` for a whole number (see below).
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// Words for the field's errors where the console's usual ones do not fit.
    #[prop(optional)]
    words: Option<fn(FieldCode) -> Msg>,
) -> impl IntoView {
    let (invalid, described_by) = invalid_attrs(failure, key, id);
    // A count is typed as text with the phone's digit keyboard: a number field reports a
    // half-typed "-" or "1." as empty, and binding writes that back under the typist's
    // fingers ("-1" became "1", "1.5" became "51"); [`Typed::count`] reads what was typed.
    let (kind, inputmode) = match kind {
        "count" => ("text", Some("numeric")),
        other => (other, None),
    };
    // A value set without an `input` event (a date picker's clear button, an automation's
    // clear) still announces itself by `change`: the form reads what the field shows.
    view! {
        <Field id label key failure words>
            <input id=id type=kind inputmode=inputmode bind:value=value autocomplete=autocomplete required=required
                on:change=move |ev| value.set(event_target_value(&ev))
                aria-invalid=invalid aria-describedby=described_by/>
        </Field>
    }
}

/// A labelled multi-line text bound to `value`.
#[component]
pub fn TextArea(
    id: &'static str,
    label: Msg,
    key: &'static str,
    value: RwSignal<String>,
    failure: Failure,
) -> impl IntoView {
    let (invalid, described_by) = invalid_attrs(failure, key, id);
    view! {
        <Field id label key failure words=None>
            <textarea id=id rows="3" bind:value=value on:change=move |ev| value.set(event_target_value(&ev))
                aria-invalid=invalid aria-describedby=described_by></textarea>
        </Field>
    }
}

/// What went wrong, in words: the error's own message, and any field error the form has no
/// field for, named by its label ("名额：…").
#[component]
pub fn FormAlert(
    failure: Failure,
    #[prop(optional)] shown: &'static [&'static str],
) -> impl IntoView {
    let lang = use_lang();
    // A refusal that names fields takes the keyboard to the first of them.
    Effect::new(move |_| {
        if failure.with(|f| f.as_ref().is_some_and(|e| !e.fields.is_empty())) {
            crate::dom::focus_first_invalid();
        }
    });
    view! {
        <div aria-live="assertive">
            {move || failure.get().map(|e| {
                let l = lang.get();
                let others: Vec<String> = e
                    .fields
                    .iter()
                    .filter(|(k, _)| !shown.contains(&k.as_str()))
                    .map(|(k, c)| match field_label(k) {
                        Some(label) => FIELD_WITH_ERROR.fill(l, &[("label", &label.get(l)), ("error", &field_error(*c).get(l))]),
                        None => field_error(*c).get(l).to_owned(),
                    })
                    .collect();
                view! {
                    <div class="error" role="alert">
                        <p>{error_msg(e.code).get(l)}</p>
                        {(!others.is_empty()).then(|| view! {
                            <ul>{others.into_iter().map(|o| view! { <li>{o}</li> }).collect_view()}</ul>
                        })}
                    </div>
                }
            })}
        </div>
    }
}

/// What a form reads from its fields before it sends anything. A value that is not what its
/// field asks for (a count, a date in service, a time) is marked beside that field, and the
/// form sends nothing until every field reads: the server would only see a stand-in value
/// and refuse it in words about something else ("too many people" for a typed "-1").
pub struct Typed(ApiError);

impl Default for Typed {
    fn default() -> Self {
        Self(ApiError::new(
            ErrorCode::Invalid,
            "Some fields need attention",
        ))
    }
}

impl Typed {
    fn mark<T: Default>(&mut self, key: &'static str, code: FieldCode) -> T {
        self.0.fields.entry(key.to_owned()).or_insert(code);
        T::default()
    }

    /// A count of 0 or more; an empty field is 0. Digits too many for a count read as the
    /// largest one, which the server refuses as out of range.
    pub fn count(&mut self, key: &'static str, field: RwSignal<String>) -> u32 {
        let typed = typed_number(field);
        if typed.is_empty() {
            0
        } else if typed.bytes().all(|b| b.is_ascii_digit()) {
            typed.parse().unwrap_or(u32::MAX)
        } else {
            self.mark(key, FieldCode::NotACount)
        }
    }

    /// A day within the years the service keeps: [`read_date`].
    pub fn date(&mut self, key: &'static str, field: RwSignal<String>) -> NaiveDate {
        read_date(&field.get_untracked()).unwrap_or_else(|| self.mark(key, FieldCode::DateInvalid))
    }

    /// A time of day: [`read_time`].
    pub fn time(&mut self, key: &'static str, field: RwSignal<String>) -> NaiveTime {
        read_time(&field.get_untracked()).unwrap_or_else(|| self.mark(key, FieldCode::Invalid))
    }

    /// A moment within the years the service keeps: [`read_moment`].
    pub fn moment(&mut self, key: &'static str, field: RwSignal<String>) -> NaiveDateTime {
        read_moment(&field.get_untracked())
            .unwrap_or_else(|| self.mark(key, FieldCode::DateInvalid))
    }

    /// `value` when every field read, or the error that marks those that did not.
    pub fn finish<T>(self, value: T) -> Result<T, ApiError> {
        self.0.unless_fields(value)
    }
}

/// What a date, a time and a date-and-time input speak.
const DATE: &str = "%Y-%m-%d";
const TIME: &str = "%H:%M";
const MOMENT: &str = "%Y-%m-%dT%H:%M";

/// A day as a date input gives it (`2026-09-15`), within the years the service keeps.
pub fn read_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), DATE)
        .ok()
        .filter(|day| in_service(*day))
}

/// A time of day as a time input gives it (`09:30`).
pub fn read_time(raw: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(raw.trim(), TIME).ok()
}

/// A moment as a date-and-time input gives it (`2026-09-15T09:30`), within the years the
/// service keeps.
pub fn read_moment(raw: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(raw.trim(), MOMENT)
        .ok()
        .filter(|at| in_service(at.date()))
}

/// `at` as a date-and-time input shows it.
pub fn moment_input(at: NaiveDateTime) -> String {
    at.format(MOMENT).to_string()
}

/// A field's number as typed, trimmed: see [`ascii_number`].
pub fn typed_number(field: RwSignal<String>) -> String {
    ascii_number(&field.get_untracked())
}

/// A number as a Chinese input method may type it, in ASCII: full-width digits and points
/// (`４５．５`) and a decimal comma become `45.5`.
pub fn ascii_number(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(|c| match c {
            '．' | '，' | ',' => '.',
            other => labday_domain::text::half_width(other),
        })
        .collect()
}

/// Sends a form's `request` unless one is under way: `busy` meanwhile, the last error
/// cleared first and the new one shown through `failure`, the answer handed to `saved`.
pub fn send<T: 'static>(
    busy: RwSignal<bool>,
    failure: Failure,
    request: impl Future<Output = Result<T, ApiError>> + 'static,
    saved: impl FnOnce(T) + 'static,
) {
    if busy.get_untracked() {
        return;
    }
    failure.set(None);
    busy.set(true);
    leptos::task::spawn_local(async move {
        match request.await {
            Ok(answer) => saved(answer),
            Err(e) => failure.set(Some(e)),
        }
        busy.set(false);
    });
}

#[cfg(test)]
mod tests {
    use super::{ascii_number, Typed};
    use chrono::NaiveDate;
    use labday_domain::FieldCode;
    use leptos::prelude::*;

    #[test]
    fn typed_values_read_or_are_marked_on_their_own_fields() {
        let field = |s: &str| RwSignal::new(s.to_owned());
        let mut typed = Typed::default();
        assert_eq!(typed.count("empty", field("")), 0);
        assert_eq!(typed.count("wide", field(" ４５ ")), 45);
        // A whole number too large for a count is the server's to refuse as out of range.
        assert_eq!(typed.count("huge", field("99999999999")), u32::MAX);
        assert_eq!(
            typed.date("day", field("2026-09-07")),
            NaiveDate::from_ymd_opt(2026, 9, 7).unwrap()
        );
        assert!(typed.finish(()).is_ok());

        let mut typed = Typed::default();
        for (key, text) in [("minus", "-1"), ("half", "1.5"), ("word", "abc")] {
            typed.count(key, field(text));
        }
        for (key, text) in [("six", "202612-09-07"), ("old", "1999-12-31"), ("none", "")] {
            typed.date(key, field(text));
        }
        typed.time("late", field("25:00"));
        typed.moment("far", field("3000-01-01T09:00"));
        let fields = typed.finish(()).unwrap_err().fields;
        let codes: Vec<(&str, FieldCode)> = fields.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        assert_eq!(
            codes,
            [
                ("far", FieldCode::DateInvalid),
                ("half", FieldCode::NotACount),
                ("late", FieldCode::Invalid),
                ("minus", FieldCode::NotACount),
                ("none", FieldCode::DateInvalid),
                ("old", FieldCode::DateInvalid),
                ("six", FieldCode::DateInvalid),
                ("word", FieldCode::NotACount),
            ]
        );
    }

    #[test]
    fn numbers_typed_full_width_read_as_numbers() {
        assert_eq!(ascii_number(" ４５ "), "45");
        assert_eq!(ascii_number("３７．５"), "37.5");
        assert_eq!(ascii_number("37,5"), "37.5");
        assert_eq!(ascii_number("１２０"), "120");
        // Anything else stays as typed, for the server to refuse.
        assert_eq!(ascii_number("12a"), "12a");
    }
}
