//! Creating or editing an activity: who runs it (organisers choose; lab staff always their
//! own lab), its kind, title, description, safety notes and dates.

use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::loaded::load;
use crate::staff::api;
use crate::staff::form::{invalid_attrs, Failure, FieldError, FormAlert, Input, TextArea, Typed};
use crate::staff::i18n as s;
use crate::staff::Me;
use chrono::Duration;
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::{ActivityDraft, ScheduledActivity};
use labday_domain::staff::Role;
use labday_domain::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

fn kind_msg(k: ActivityKind) -> i18n::Msg {
    match k {
        ActivityKind::LabOpenDay => i18n::CAT_LAB_OPEN_DAY,
        ActivityKind::CertificationWeek => i18n::CAT_CERT_WEEK,
        ActivityKind::Training => i18n::KIND_TRAINING,
    }
}

/// `existing` is the activity being edited; `on_saved` gets its id and what to announce.
#[component]
pub fn ActivityForm(
    existing: Option<ScheduledActivity>,
    #[prop(into)] on_saved: Callback<(i64, String)>,
    /// Called when the server refuses the change because someone saved the activity
    /// meanwhile: the list it came from should show the activity as it is now.
    #[prop(optional, into)]
    on_stale: Option<Callback<()>>,
) -> impl IntoView {
    let lang = use_lang();
    let me = expect_context::<Me>();
    let organiser = me
        .get_untracked()
        .is_some_and(|m| m.role == Role::Organiser);
    let own = me.get_untracked().and_then(|m| m.organisation_id);
    let editing = existing.as_ref().map(|a| (a.id, a.revision));
    let today = format::venue_now().date();
    let start = existing.map(|a| a.draft).unwrap_or(ActivityDraft {
        organisation_id: own.unwrap_or(0),
        kind: ActivityKind::LabOpenDay,
        title: Localised::default(),
        description: Localised::default(),
        safety_notes: Localised::default(),
        starts_on: today,
        ends_on: today + Duration::days(14),
    });
    let organisation = RwSignal::new(start.organisation_id);
    let kind = RwSignal::new(start.kind);
    let title = RwSignal::new(start.title.zh.clone());
    let title_en = RwSignal::new(start.title.en.clone());
    let description = RwSignal::new(start.description.zh.clone());
    let safety = RwSignal::new(start.safety_notes.zh.clone());
    let starts_on = RwSignal::new(start.starts_on.to_string());
    let ends_on = RwSignal::new(start.ends_on.to_string());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let english = (start.description.en.clone(), start.safety_notes.en.clone());
    let organisations = load(move || async move {
        if organiser {
            api::organisations().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut typed = Typed::default();
        let (from, to) = (
            typed.date("starts_on", starts_on),
            typed.date("ends_on", ends_on),
        );
        if let Err(e) = typed.finish(()) {
            failure.set(Some(e));
            return;
        }
        let draft = ActivityDraft {
            organisation_id: organisation.get_untracked(),
            kind: kind.get_untracked(),
            title: Localised::new(title.get_untracked(), title_en.get_untracked()),
            description: Localised::new(description.get_untracked(), english.0.clone()),
            safety_notes: Localised::new(safety.get_untracked(), english.1.clone()),
            starts_on: from,
            ends_on: to,
        };
        failure.set(None);
        busy.set(true);
        spawn_local(async move {
            let l = lang.get_untracked();
            let done = match editing {
                Some((id, revision)) => api::update_activity(id, revision, &draft)
                    .await
                    .map(|a| (a.id, s::SAVED.get(l).to_owned())),
                None => api::create_activity(&draft)
                    .await
                    .map(|a| (a.id, s::ACTIVITY_CREATED.get(l).to_owned())),
            };
            busy.set(false);
            match done {
                Ok(saved) => on_saved.run(saved),
                Err(e) => {
                    if e.code == ErrorCode::EditedMeanwhile {
                        on_stale.inspect(|c| c.run(()));
                    }
                    failure.set(Some(e));
                }
            }
        });
    };
    let (org_invalid, org_described) =
        invalid_attrs(failure, "organisation_id", "activity-organisation");
    view! {
        <form class="booking-form console-form" on:submit=submit novalidate>
            {organiser.then(|| view! {
                <div class="field">
                    <label for="activity-organisation">{t(s::ORGANISATION)}</label>
                    <select id="activity-organisation" on:change=move |ev| organisation.set(event_target_value(&ev).parse().unwrap_or(0))
                        aria-invalid=org_invalid aria-describedby=org_described>
                        <option value="0">"—"</option>
                        {move || organisations.get().unwrap_or_default().into_iter().map(|o| {
                            let id = o.id;
                            view! { <option value=id.to_string() selected=move || organisation.get() == id>{o.name.get(lang.get().code()).to_owned()}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError failure=failure key="organisation_id" id="activity-organisation"/>
                </div>
            })}
            <div class="field">
                <label for="activity-kind">{t(s::ACTIVITY_KIND)}</label>
                <select id="activity-kind" on:change=move |ev| {
                    if let Some(k) = ActivityKind::parse(&event_target_value(&ev)) { kind.set(k); }
                }>
                    {ActivityKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{move || kind_msg(k).get(lang.get())}</option>
                    }).collect_view()}
                </select>
            </div>
            <Input id="activity-title" label=s::ACTIVITY_TITLE key="title" value=title failure=failure/>
            <Input id="activity-title-en" label=s::ACTIVITY_TITLE_EN key="title_en" value=title_en failure=failure/>
            <TextArea id="activity-description" label=s::ACTIVITY_DESCRIPTION key="description" value=description failure=failure/>
            <TextArea id="activity-safety" label=s::ACTIVITY_SAFETY key="safety_notes" value=safety failure=failure/>
            <div class="party">
                <Input id="activity-starts" label=s::ACTIVITY_STARTS key="starts_on" value=starts_on failure=failure kind="date"/>
                <Input id="activity-ends" label=s::ACTIVITY_ENDS key="ends_on" value=ends_on failure=failure kind="date"/>
            </div>
            <FormAlert failure=failure shown=&["organisation_id", "title", "description", "safety_notes", "starts_on", "ends_on"]/>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                {move || if editing.is_some() { s::SAVE.get(lang.get()) } else { s::CREATE_ACTIVITY.get(lang.get()) }}
            </button>
        </form>
    }
}
