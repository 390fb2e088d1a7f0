//! A quick-test session's bench: receive samples by scanning their label or typing the code,
//! then enter results one after another on a phone. After each save, focus moves to the
//! next sample in the queue; a positive or suspicious first test keeps its sample in the
//! queue until the re-tests are in. Any test can be corrected; the history stays.

use crate::api;
use crate::components::sample::{judgement_msg, status_msg, variety, TestList};
use crate::components::status::FailureAlert;
use crate::dom::focus_soon;
use crate::i18n::{self, t, use_lang};
use crate::loaded::{load_id, page_id, Loaded};
use crate::staff::desk::{Desk, ScanDesk};
use crate::staff::form::typed_number;
use crate::staff::i18n as si;
use crate::staff::use_id_param;
use crate::staff::walk_in::WalkInSampleForm;
use labday_domain::sample::{
    Method, SampleStatus, SampleView, StripReading, TestEntry, STRIP_PESTICIDES,
};
use labday_domain::{ApiError, ErrorCode, FieldCode};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

fn in_queue(s: &SampleView) -> bool {
    matches!(s.status, SampleStatus::Received | SampleStatus::Testing)
}

#[component]
pub fn SamplesDesk() -> impl IntoView {
    let lang = use_lang();
    let id = use_id_param();
    let loaded = load_id(id, api::session_samples);
    let samples = RwSignal::new(Vec::<SampleView>::new());
    Effect::new(move |_| {
        if let Some(Ok(list)) = loaded.get() {
            samples.set(list);
        }
    });
    let desk = Desk::new();

    // Replaces one sample in the list with its new state.
    let replace = move |updated: SampleView| {
        samples.update(
            |list| match list.iter_mut().find(|s| s.code == updated.code) {
                Some(s) => *s = updated,
                None => list.push(updated),
            },
        );
    };
    let receive = move |typed: String| {
        let call = async move { api::receive_sample(page_id(id.get_untracked())?, &typed).await };
        desk.act(call, move |sample| {
            let l = lang.get_untracked();
            let text = si::RECEIVED_ANNOUNCE.fill(
                l,
                &[
                    ("code", &sample.code.display()),
                    ("variety", &variety(&sample.variety, l)),
                ],
            );
            desk.code.set(String::new());
            let target = format!("reading-{}", sample.code.as_str());
            replace(sample);
            focus_soon(target);
            text
        });
    };
    // After a save: the next sample still waiting for a test, else the code field.
    let saved = Callback::new(move |sample: SampleView| {
        let l = lang.get_untracked();
        let verdict = sample
            .judgement
            .map(|j| judgement_msg(j).get(l))
            .unwrap_or_else(|| status_msg(sample.status).get(l));
        desk.announce.set(si::RESULT_SAVED_ANNOUNCE.fill(
            l,
            &[("code", &sample.code.display()), ("verdict", &verdict)],
        ));
        let code = sample.code.clone();
        let stays = in_queue(&sample);
        replace(sample);
        let next = samples.with_untracked(|list| {
            let queue: Vec<&SampleView> = list.iter().filter(|s| in_queue(s)).collect();
            let at = queue.iter().position(|s| s.code == code);
            match (stays, at) {
                (true, Some(_)) => Some(code.as_str().to_owned()),
                _ => queue.first().map(|s| s.code.as_str().to_owned()),
            }
        });
        focus_soon(next.map_or_else(|| "sample-code".into(), |c| format!("reading-{c}")));
    });
    // Another desk entered a test meanwhile: the sample as it is now, and word of it.
    let stale = Callback::new(move |sample: SampleView| {
        let l = lang.get_untracked();
        let code = sample.code.display();
        desk.announce
            .set(si::SAMPLE_CHANGED_MEANWHILE.fill(l, &[("code", &code)]));
        replace(sample);
    });
    // The samples one list shows, read from the session's list.
    let those = move |keep: fn(&SampleView) -> bool| {
        move || samples.with(|l| l.iter().filter(|s| keep(s)).cloned().collect::<Vec<_>>())
    };
    let queue = those(in_queue);
    // Not handed in: still awaited, or not to be received since its session was cancelled.
    let waiting = those(|s| {
        matches!(
            s.status,
            SampleStatus::Registered | SampleStatus::SessionCancelled
        )
    });
    let done = those(|s| s.status == SampleStatus::ResultReady);
    // Re-render a sample's line only when it changed.
    let key = |s: &SampleView| {
        (
            s.code.as_str().to_owned(),
            s.tests.len(),
            s.received_at.is_some(),
        )
    };

    view! {
        <ScanDesk desk=desk id=id title=si::STAFF_SAMPLES field="sample-code" label=si::FIND_OR_RECEIVE
            action=si::RECEIVE scan=si::SCAN_SAMPLE on_code=Callback::new(receive)>
            <WalkInSampleForm desk=desk id=id on_registered=Callback::new(move |added: Vec<SampleView>| added.into_iter().for_each(replace))
                on_stale=Callback::new(move |()| loaded.refetch())/>
            <Loaded from=loaded let:_list>
                // Organisers reaching the session from a bureau above read holders masked: say why.
                <Show when=move || samples.with(|l| l.iter().any(|s| s.holder.as_ref().is_some_and(|h| h.masked)))>
                    <p class="small">{t(si::HOLDERS_MASKED)}</p>
                </Show>
                <h2>{t(si::SAMPLE_QUEUE)}</h2>
                <Show when=move || queue().is_empty()>
                    <p class="empty">{t(si::QUEUE_EMPTY)}</p>
                </Show>
                <ul class="cards desk">
                    <For each=queue key=key let:sample>
                        <SampleLine sample=sample on_saved=saved on_stale=stale/>
                    </For>
                </ul>
                <h2>{t(si::SAMPLES_WAITING)}</h2>
                <ul class="cards desk">
                    <For each=waiting key=key let:sample>
                        {
                            let code = sample.code.as_str().to_owned();
                            let label = si::RECEIVE_CODE.fill(lang.get_untracked(), &[("code", &sample.code.display())]);
                            // Its session cancelled, or its holder's details erased before
                            // hand-in (withdrawn, or past retention): nothing to receive.
                            let cancelled = sample.status == SampleStatus::SessionCancelled;
                            let withdrawn = sample.holder.is_none();
                            view! {
                                <li class="card">
                                    <p><strong>{sample.code.display()}</strong>" · "{move || variety(&sample.variety, lang.get())}</p>
                                    {if withdrawn {
                                        view! { <p class="small" data-testid="withdrawn">{t(si::WITHDRAWN)}</p> }.into_any()
                                    } else if cancelled {
                                        view! { <p class="small" data-testid="session-cancelled">{t(si::SAMPLE_SESSION_CANCELLED)}</p> }.into_any()
                                    } else {
                                        view! { <button type="button" aria-label=label hidden=move || desk.closed.get() on:click=move |_| receive(code.clone())>{t(si::RECEIVE)}</button> }.into_any()
                                    }}
                                </li>
                            }
                        }
                    </For>
                </ul>
                <h2>{t(si::SAMPLES_DONE)}</h2>
                <ul class="cards desk">
                    <For each=done key=key let:sample>
                        <SampleLine sample=sample on_saved=saved on_stale=stale/>
                    </For>
                </ul>
            </Loaded>
        </ScanDesk>
    }
}

/// One received sample: its tests so far and a form for the next (or a correction).
#[component]
fn SampleLine(
    sample: SampleView,
    on_saved: Callback<SampleView>,
    on_stale: Callback<SampleView>,
) -> impl IntoView {
    let lang = use_lang();
    let code = sample.code.as_str().to_owned();
    let open = sample.status != SampleStatus::ResultReady;
    let correcting = RwSignal::new(None::<i64>);
    let corrections: Vec<(i64, usize)> = sample
        .tests
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.superseded)
        .map(|(i, t)| (t.id, i + 1))
        .collect();
    // The current tests, one correction each: how many the bench saw.
    let seen = corrections.len();
    let holder = sample
        .holder
        .as_ref()
        .map(|h| format!("{} · {}", h.name, h.phone));
    let s = StoredValue::new(sample.clone());
    let form_code = StoredValue::new(code.clone());
    let show_form = move || open || correcting.get().is_some();
    view! {
        <li class="card" data-testid="desk-sample" data-code=code.clone()>
            <p>
                <strong>{sample.code.display()}</strong>" · "{move || s.with_value(|s| variety(&s.variety, lang.get()))}
                {sample.walk_in.then(|| view! { " "<span class="badge">{t(si::WALK_IN_MARK)}</span> })}
                {move || s.with_value(|s| s.enzyme_false_positive).then(|| view! { " · "<span class="few">{t(si::FALSE_POSITIVE_RISK)}</span> })}
            </p>
            <p class="small">{match &holder {
                Some(holder) => si::HOLDER_IS.fill(lang.get_untracked(), &[("holder", holder)]),
                None => si::HOLDER_ERASED.get(lang.get_untracked()).to_owned(),
            }}</p>
            <p class="small" data-testid="desk-status">
                {move || s.with_value(|s| status_msg(s.status).get(lang.get()))}
                {move || s.with_value(|s| s.judgement.map(|j| format!(" · {}", judgement_msg(j).get(lang.get()))))}
                {move || s.with_value(|s| (s.retests_needed > 0).then(|| format!(" · {}", si::RETESTS_STILL.fill(lang.get(), &[("n", &s.retests_needed)]))))}
            </p>
            <TestList tests=sample.tests.clone() staff=true/>
            {(!corrections.is_empty()).then(|| view! {
                <p class="actions">
                    {corrections.into_iter().map(|(test_id, n)| {
                        let label = move || si::CORRECT_TEST_N.fill(lang.get(), &[("n", &n)]);
                        view! { <button type="button" class="secondary" on:click=move |_| correcting.set(Some(test_id))>{label}</button> }
                    }).collect_view()}
                </p>
            })}
            <Show when=show_form>
                <ResultForm code=form_code.get_value() seen=seen correcting=correcting on_saved=on_saved on_stale=on_stale/>
            </Show>
        </li>
    }
}

#[component]
fn ResultForm(
    code: String,
    /// How many current tests the line shows: sent, so a test another desk entered since
    /// refuses this one rather than making it a re-test it was not.
    seen: usize,
    correcting: RwSignal<Option<i64>>,
    on_saved: Callback<SampleView>,
    on_stale: Callback<SampleView>,
) -> impl IntoView {
    let lang = use_lang();
    let method = RwSignal::new(Method::EnzymeInhibition);
    let value = RwSignal::new(String::new());
    let pesticide = RwSignal::new(String::new());
    let strip = RwSignal::new(None::<StripReading>);
    let errors = RwSignal::new(BTreeMap::<String, FieldCode>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let c = StoredValue::new(code.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let entry = TestEntry {
            method: method.get_untracked(),
            inhibition_pct: typed_number(value).parse().ok(),
            pesticide: Some(pesticide.get_untracked()),
            strip: strip.get_untracked(),
            corrects: correcting.get_untracked(),
            tests_seen: u32::try_from(seen).ok(),
        };
        failure.set(None);
        if let Err(e) = entry.validate() {
            errors.set(e.fields);
            return;
        }
        errors.set(BTreeMap::new());
        busy.set(true);
        spawn_local(async move {
            let result = api::record_test(&c.get_value(), &entry).await;
            busy.set(false);
            match result {
                Ok(sample) => {
                    correcting.set(None);
                    on_saved.run(sample);
                }
                Err(e) if e.code == ErrorCode::EditedMeanwhile => {
                    match api::staff_sample(&c.get_value()).await {
                        Ok(now) => {
                            correcting.set(None);
                            on_stale.run(now);
                        }
                        Err(_) => failure.set(Some(e)),
                    }
                }
                Err(e) => {
                    if let Some(fields) = (!e.fields.is_empty()).then(|| e.fields.clone()) {
                        errors.set(fields);
                    }
                    failure.set(Some(e));
                }
            }
        });
    };
    let err = move |field: &'static str| {
        move || errors.with(|e| e.get(field).map(|&c| si::field_error(c).get(lang.get())))
    };
    let (reading_id, pest_id, list_id) = (
        format!("reading-{code}"),
        format!("pesticide-{code}"),
        format!("pesticides-{code}"),
    );
    let group = format!("method-{code}");
    let strip_group = format!("strip-{code}");
    view! {
        <form class="result-form" on:submit=submit novalidate>
            {move || correcting.get().map(|_| view! { <p class="notice">{t(si::CORRECTING)}</p> })}
            <p class="field-error">{err("corrects")}</p>
            <fieldset>
                <legend>{t(si::METHOD)}</legend>
                <label class="check">
                    <input type="radio" name=group.clone() checked=move || method.get() == Method::EnzymeInhibition
                        on:change=move |_| method.set(Method::EnzymeInhibition)/>
                    <span>{t(i18n::METHOD_ENZYME)}</span>
                </label>
                <label class="check">
                    <input type="radio" name=group.clone() checked=move || method.get() == Method::ColloidalGold
                        on:change=move |_| method.set(Method::ColloidalGold)/>
                    <span>{t(i18n::METHOD_GOLD)}</span>
                </label>
            </fieldset>
            <Show when=move || method.get() == Method::EnzymeInhibition fallback={
                let (pest_id, list_id, strip_group) = (pest_id.clone(), list_id.clone(), strip_group.clone());
                move || view! {
                    <label for=pest_id.clone()>{t(i18n::PESTICIDE)}</label>
                    <input id=pest_id.clone() list=list_id.clone() maxlength="20" bind:value=pesticide
                        aria-describedby=format!("{pest_id}-error")/>
                    <datalist id=list_id.clone()>
                        {STRIP_PESTICIDES.iter().map(|(zh, _)| view! { <option value=*zh></option> }).collect_view()}
                    </datalist>
                    <p class="field-error" id=format!("{pest_id}-error")>{err("pesticide")}</p>
                    <fieldset>
                        <legend>{t(si::STRIP_READING)}</legend>
                        <label class="check">
                            <input type="radio" name=strip_group.clone() on:change=move |_| strip.set(Some(StripReading::Negative))/>
                            <span>{t(i18n::NEGATIVE)}</span>
                        </label>
                        <label class="check">
                            <input type="radio" name=strip_group.clone() on:change=move |_| strip.set(Some(StripReading::Positive))/>
                            <span>{t(i18n::POSITIVE)}</span>
                        </label>
                    </fieldset>
                    <p class="field-error">{err("strip")}</p>
                }
            }>
                <label for=reading_id.clone()>{t(i18n::INHIBITION)}" (%)"</label>
                <input id=reading_id.clone() type="text" inputmode="decimal" autocomplete="off" bind:value=value
                    aria-describedby=format!("{reading_id}-error")/>
                <p class="field-error" id=format!("{reading_id}-error")>{err("inhibition_pct")}</p>
            </Show>
            <FailureAlert failure=failure/>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>{t(si::SAVE_RESULT)}</button>
        </form>
    }
}
