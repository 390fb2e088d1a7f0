//! How a vegetable sample reads on screen, for its holder and for staff: status, judgement in
//! plain words, each test with method, standard and value, the printable label, and the
//! screening notice every result carries.

use crate::api::SampleSheet;
use crate::components::qr::QrCode;
use crate::format;
use crate::i18n::{self, t, use_lang, Lang, Msg};
use crate::text::{flag, text};
use labday_domain::sample::{Judgement, Method, SampleStatus, SampleTest, VarietyName};
use leptos::prelude::*;

pub fn status_msg(s: SampleStatus) -> Msg {
    match s {
        SampleStatus::Registered => i18n::SAMPLE_STATUS_REGISTERED,
        SampleStatus::Received => i18n::SAMPLE_STATUS_RECEIVED,
        SampleStatus::Testing => i18n::SAMPLE_STATUS_TESTING,
        SampleStatus::ResultReady => i18n::SAMPLE_STATUS_READY,
        SampleStatus::SessionCancelled => i18n::SAMPLE_STATUS_CANCELLED,
    }
}

pub fn judgement_msg(j: Judgement) -> Msg {
    match j {
        Judgement::Negative => i18n::NEGATIVE,
        Judgement::Suspicious => i18n::SUSPICIOUS,
        Judgement::Positive => i18n::POSITIVE,
    }
}

fn judgement_plain(j: Judgement) -> Msg {
    match j {
        Judgement::Negative => i18n::NEGATIVE_PLAIN,
        Judgement::Suspicious => i18n::SUSPICIOUS_PLAIN,
        Judgement::Positive => i18n::POSITIVE_PLAIN,
    }
}

pub fn method_msg(m: Method) -> Msg {
    match m {
        Method::EnzymeInhibition => i18n::METHOD_ENZYME,
        Method::ColloidalGold => i18n::METHOD_GOLD,
    }
}

/// `12.5 %` for an enzyme test, `克百威` for a strip.
pub fn reading(test: &SampleTest, lang: Lang) -> String {
    match test.method {
        Method::EnzymeInhibition => {
            // Readings are kept in tenths of a percent (the judgement's unit); integer
            // formatting spares the WebAssembly core's float printing.
            let tenths = test
                .inhibition_pct
                .and_then(labday_domain::sample::tenths)
                .unwrap_or_default();
            let value = format!("{}.{}", tenths / 10, tenths % 10);
            i18n::INHIBITION_READING.fill(lang, &[("value", &value)])
        }
        Method::ColloidalGold => i18n::PESTICIDE_READING
            .fill(lang, &[("name", &test.pesticide.as_deref().unwrap_or(""))]),
    }
}

/// A variety's name in the reader's language.
pub fn variety(name: &VarietyName, lang: Lang) -> String {
    name.name.get(lang.code()).to_owned()
}

/// A label to hand in with the vegetable: code, QR code, variety and purchase details.
#[component]
pub fn SampleLabel(sample: SampleSheet) -> impl IntoView {
    let lang = use_lang();
    let s = StoredValue::new(sample);
    let code = s.with_value(|s| s.code.as_str().to_owned());
    view! {
        <li class="label" data-testid="sample-label">
            <p class="code-label">{t(i18n::SAMPLE_CODE)}</p>
            <p class="code" data-testid="sample-code">{s.with_value(|s| s.code.display())}</p>
            <QrCode text=code label=Signal::derive(move || i18n::SAMPLE_QR_LABEL.get(lang.get()).to_owned())/>
            <p class="title">{text(move || s.with_value(|s| variety(&s.variety, lang.get())))}</p>
            <p class="small">{text(move || s.with_value(|s| i18n::BOUGHT_ON_AT.fill(lang.get(), &[("date", &format::date_range(s.bought_on, s.bought_on, lang.get())), ("place", &s.bought_at)])))}</p>
        </li>
    }
}

/// The tests of a sample in order, first test then re-tests, with superseded ones marked.
///
/// Its rows keep their own closures rather than the shared `text()` ones: converted, the
/// samples journey failed on the staff bench (a stale reading input right after a
/// correction), for a reason not yet understood; the saving was small.
#[component]
pub fn TestList(
    tests: Vec<SampleTest>,
    #[prop(optional)] staff: bool,
    /// No final judgement yet (a holder's page): the readings only, since one test's
    /// judgement is not the sample's (a first positive may end negative after its re-tests).
    #[prop(optional)]
    provisional: bool,
) -> impl IntoView {
    let lang = use_lang();
    let mut first = true;
    let rows = tests
        .into_iter()
        .map(|test| {
            let kind = if test.superseded {
                i18n::CORRECTED
            } else if std::mem::take(&mut first) {
                i18n::FIRST_TEST
            } else {
                i18n::RETEST
            };
            let test = StoredValue::new(test);
            view! {
                <li class=move || if test.with_value(|t| t.superseded) { "test superseded" } else { "test" }>
                    <p>
                        <strong>{move || kind.get(lang.get())}</strong>
                        " · "{move || test.with_value(|t| method_msg(t.method).get(lang.get()))}
                        " · "{move || test.with_value(|t| reading(t, lang.get()))}
                        {(!provisional).then(|| view! {
                            " · "<span class=move || test.with_value(|t| format!("judgement {}", t.judgement.as_str()))>
                                {move || test.with_value(|t| judgement_msg(t.judgement).get(lang.get()))}
                            </span>
                        })}
                    </p>
                    <p class="small">
                        {move || test.with_value(|t| i18n::TESTED_ON.fill(lang.get(), &[("at", &format::moment(t.tested_at, lang.get()))]))}
                        {move || staff.then(|| test.with_value(|t| t.tester.clone().map(|who| format!(" · {}", i18n::TESTED_BY.fill(lang.get(), &[("name", &who)])))))}
                    </p>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="tests">{rows}</ol> }
}

/// What a holder sees of a result: status, judgement in plain words, each test with its
/// method and standard, and the screening notice.
#[component]
pub fn SampleResult(sample: SampleSheet) -> impl IntoView {
    let lang = use_lang();
    let s = StoredValue::new(sample);
    let l = move || lang.get();
    let judgement = s.with_value(|s| s.judgement);
    let tested = s.with_value(|s| !s.tests.is_empty());
    // A reading that is not negative, by the enzyme method, of a vegetable whose own
    // compounds can read falsely positive by it: the warning its registration gave, again.
    let false_positive_risk = s.with_value(|s| {
        s.variety.enzyme_false_positive()
            && s.judgement != Some(Judgement::Negative)
            && s.tests
                .iter()
                .any(|t| t.method == Method::EnzymeInhibition && t.judgement != Judgement::Negative)
    });
    let methods: Vec<Method> = s.with_value(|s| {
        let mut m: Vec<Method> = s.tests.iter().map(|t| t.method).collect();
        m.dedup();
        m
    });
    view! {
        <dl class="facts">
            <dt>{t(i18n::STATUS)}</dt>
            <dd data-testid="sample-status">{t(s.with_value(|s| status_msg(s.status)))}</dd>
            <dt>{t(i18n::VARIETY)}</dt>
            <dd>{text(move || s.with_value(|s| variety(&s.variety, l())))}</dd>
            <dt>{t(i18n::BOUGHT)}</dt>
            <dd>{text(move || s.with_value(|s| format!("{} · {}", format::date_range(s.bought_on, s.bought_on, l()), s.bought_at)))}</dd>
            <dt>{t(i18n::WHERE)}</dt>
            <dd>{text(move || s.with_value(|s| {
                let place = format::place_held(&s.place, s.held_at.as_ref(), l());
                format!("{} · {} · {place}", s.organisation.get(l().code()), s.session_title.get(l().code()))
            }))}</dd>
            <dt>{t(i18n::WHEN)}</dt>
            <dd>{text(move || s.with_value(|s| format::moment(s.session_starts_at, l())))}</dd>
            <dt>{t(i18n::PHONE)}</dt>
            <dd>{s.with_value(|s| s.phone_masked.clone())}</dd>
        </dl>
        {judgement.map(|j| view! {
            <section class=format!("verdict {}", j.as_str()) data-testid="sample-judgement" data-judgement=j.as_str()>
                <h2>{text(move || i18n::JUDGEMENT_IS.fill(l(), &[("judgement", &judgement_msg(j).get(l()))]))}</h2>
                <p>{t(judgement_plain(j))}</p>
            </section>
        })}
        {false_positive_risk.then(|| view! {
            <p class="notice" data-testid="false-positive-warning">{t(i18n::FALSE_POSITIVE_WARNING)}</p>
        })}
        {move || s.with_value(|s| (s.retests_needed > 0).then(|| {
            let n = s.retests_needed;
            view! { <p class="notice">{text(move || i18n::RETESTS_LEFT.fill(l(), &[("n", &n)]))}</p> }
        }))}
        <Show when=flag(move || tested)>
            <h2>{t(i18n::SAMPLE_RESULT_TITLE)}</h2>
            <TestList tests=s.with_value(|s| s.tests.clone()) provisional=judgement.is_none()/>
            <p class="small">
                {methods.iter().map(|m| {
                    let m = *m;
                    view! { <span>{text(move || i18n::STANDARD_OF.fill(l(), &[("method", &method_msg(m).get(l())), ("standard", &if l() == Lang::Zh { m.standard().0 } else { m.standard().1 })]))}" "</span> }
                }).collect_view()}
            </p>
            <p class="notice" data-testid="screening-notice">{t(i18n::SCREENING_NOTICE)}</p>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::reading;
    use crate::i18n::Lang;
    use labday_domain::sample::{Judgement, Method, SampleTest};

    fn enzyme(pct: f64) -> SampleTest {
        SampleTest {
            id: 1,
            method: Method::EnzymeInhibition,
            inhibition_pct: Some(pct),
            pesticide: None,
            strip: None,
            judgement: Judgement::Negative,
            tested_at: Default::default(),
            tester: None,
            corrects: None,
            superseded: false,
        }
    }

    #[test]
    fn enzyme_readings_show_one_decimal() {
        for (pct, shown) in [
            (12.5, "12.5"),
            (45.0, "45.0"),
            (100.0, "100.0"),
            (0.0, "0.0"),
            (7.3, "7.3"),
        ] {
            assert_eq!(
                reading(&enzyme(pct), Lang::En),
                format!("Inhibition rate {shown} %")
            );
            assert_eq!(
                format!("{pct:.1}"),
                shown,
                "same as the float formatting it replaces"
            );
        }
        assert_eq!(reading(&enzyme(38.2), Lang::Zh), "抑制率 38.2 %");
    }
}
