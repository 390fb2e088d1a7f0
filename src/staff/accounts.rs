//! Organisers create the other staff accounts here: lab staff of one organisation, or more
//! organisers. The server refuses anyone else (403), and so does this page.

use crate::i18n::{t, use_lang};
use crate::loaded::load;
use crate::staff::api;
use crate::staff::form::{Failure, FieldError, FormAlert, Input};
use crate::staff::i18n as s;
use crate::staff::OrganiserPage;
use labday_domain::staff::{NewStaffAccount, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn AccountsPage() -> impl IntoView {
    view! {
        <OrganiserPage title=s::ACCOUNTS_TITLE>
            <AccountForm/>
        </OrganiserPage>
    }
}

#[component]
fn AccountForm() -> impl IntoView {
    let lang = use_lang();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::LabStaff);
    let organisation = RwSignal::new(None::<i64>);
    let failure: Failure = RwSignal::new(None);
    let created = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let organisations = load(|| async { api::organisations().await.unwrap_or_default() });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let lab = role.get_untracked() == Role::LabStaff;
        let account = NewStaffAccount {
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
            organisation_id: if lab {
                organisation.get_untracked()
            } else {
                None
            },
        };
        failure.set(None);
        created.set(String::new());
        busy.set(true);
        spawn_local(async move {
            match api::create_account(&account).await {
                Ok(staff) => {
                    created.set(
                        s::ACCOUNT_CREATED_NAMED
                            .fill(lang.get_untracked(), &[("username", &staff.username)]),
                    );
                    username.set(String::new());
                    display_name.set(String::new());
                    password.set(String::new());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <p>{t(s::ACCOUNTS_INTRO)}</p>
        <form class="booking-form console-form" on:submit=submit novalidate>
            <Input id="account-username" label=s::USERNAME key="username" value=username failure=failure autocomplete="off"/>
            <Input id="account-display-name" label=s::DISPLAY_NAME key="display_name" value=display_name failure=failure autocomplete="off"/>
            <Input id="account-password" label=s::NEW_PASSWORD key="password" value=password failure=failure kind="password" autocomplete="new-password"/>
            <div class="field">
                <label for="account-role">{t(s::ROLE)}</label>
                <select id="account-role" on:change=move |ev| role.set(if event_target_value(&ev) == "organiser" { Role::Organiser } else { Role::LabStaff })>
                    <option value="lab_staff" selected=move || role.get() == Role::LabStaff>{t(s::ROLE_LAB_STAFF)}</option>
                    <option value="organiser" selected=move || role.get() == Role::Organiser>{t(s::ROLE_ORGANISER)}</option>
                </select>
            </div>
            <Show when=move || role.get() == Role::LabStaff>
                <div class="field">
                    <label for="account-organisation">{t(s::ORGANISATION)}</label>
                    <select id="account-organisation" on:change=move |ev| organisation.set(event_target_value(&ev).parse().ok())
                        aria-describedby="account-organisation-error">
                        <option value="">"—"</option>
                        {move || organisations.get().unwrap_or_default().into_iter().map(|o| {
                            let id = o.id;
                            view! { <option value=id.to_string() selected=move || organisation.get() == Some(id)>{o.name.get(lang.get().code()).to_owned()}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError failure=failure key="organisation_id" id="account-organisation"/>
                </div>
            </Show>
            <FormAlert failure=failure shown=&["username", "display_name", "password", "organisation_id"]/>
            <p role="status" aria-live="polite">{move || created.get()}</p>
            <button type="submit" class="primary" disabled=move || busy.get()>{t(s::CREATE_ACCOUNT)}</button>
        </form>
    }
}
