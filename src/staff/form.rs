//! Pieces every console form shares: a labelled control whose server error appears right
//! beside it (and is tied to it for screen readers), and the alert above the submit button
//! that says what went wrong in words, naming by label any field the form does not show.

use crate::i18n::{error_msg, use_lang, Msg};
use crate::staff::i18n::{field_error, field_label, FIELD_WITH_ERROR};
use labday_domain::{ApiError, FieldCode};
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
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// Words for the field's errors where the console's usual ones do not fit.
    #[prop(optional)]
    words: Option<fn(FieldCode) -> Msg>,
) -> impl IntoView {
    let (invalid, described_by) = invalid_attrs(failure, key, id);
    view! {
        <Field id label key failure words>
            <input id=id type=kind bind:value=value autocomplete=autocomplete required=required
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
            <textarea id=id rows="3" bind:value=value
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

/// A number typed into a field (0 when it is not one, which the server then refuses).
pub fn number(field: RwSignal<String>) -> u32 {
    typed_number(field).parse().unwrap_or(0)
}

/// A number typed into a field that may be left empty (0). Anything else that is not a
/// count becomes a number the server refuses beside the field, rather than a silent 0.
pub fn optional_number(field: RwSignal<String>) -> u32 {
    match typed_number(field).as_str() {
        "" => 0,
        typed => typed.parse().unwrap_or(u32::MAX),
    }
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
            other => labday_domain::text::half_width_digit(other),
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
    use super::ascii_number;

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
