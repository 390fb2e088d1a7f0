//! Organisers run the staff accounts within their reach for a season: the list with each
//! account's role, organisation and state; disable and enable, reset a password (the
//! organiser sets a temporary one the holder must change), sign out everywhere, each after
//! a confirmation; and new accounts, lab staff of a lab or institute or organisers of a
//! bureau, picked from the organiser's tree. The server refuses anyone else (403), and so
//! does this page.

use crate::components::status::FailureAlert;
use crate::i18n::{t, use_lang, Msg};
use crate::loaded::{load, Answer, Loaded};
use crate::staff::api;
use crate::staff::form::{send, Failure, FieldError, FormAlert, Input};
use crate::staff::i18n as s;
use crate::staff::organisations::in_tree_order;
use crate::staff::{Me, OrganiserPage};
use labday_domain::schedule::OrganisationChoice;
use labday_domain::staff::{fellow_organiser, NewStaffAccount, PasswordReset, Role, StaffAccount};
use labday_domain::ApiError;
use leptos::prelude::*;

type Organisations = Answer<Result<Vec<OrganisationChoice>, ApiError>>;

#[component]
pub fn AccountsPage() -> impl IntoView {
    let organisations: Organisations = load(api::organisations);
    let accounts = load(api::accounts);
    let refetch = Callback::new(move |()| accounts.refetch());
    // Outside the list, which is drawn again after every change: the result stays read out.
    let done = RwSignal::new(String::new());
    view! {
        <OrganiserPage title=s::ACCOUNTS_LIST>
            <p>{t(s::ACCOUNTS_LIST_INTRO)}</p>
            <p role="status" aria-live="polite" class="notice">{move || done.get()}</p>
            <Loaded from=accounts let:list>
                <AccountList list organisations accounts=refetch done/>
            </Loaded>
            <h2>{t(s::ACCOUNTS_TITLE)}</h2>
            <AccountForm organisations on_created=refetch/>
        </OrganiserPage>
    }
}

/// What an organiser does to an account, each confirmed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Disable,
    Enable,
    ResetPassword,
    EndSessions,
}

impl Action {
    /// The button's words, what the confirmation says, its button, and what is announced
    /// after.
    fn words(self) -> [Msg; 4] {
        match self {
            Action::Disable => [
                s::DISABLE,
                s::DISABLE_CONFIRM,
                s::DISABLE_YES,
                s::DISABLED_NAMED,
            ],
            Action::Enable => [
                s::ENABLE,
                s::ENABLE_CONFIRM,
                s::ENABLE_YES,
                s::ENABLED_NAMED,
            ],
            Action::ResetPassword => [
                s::RESET_PASSWORD,
                s::RESET_CONFIRM,
                s::RESET_YES,
                s::RESET_NAMED,
            ],
            Action::EndSessions => [
                s::END_SESSIONS,
                s::END_SESSIONS_CONFIRM,
                s::END_SESSIONS_YES,
                s::ENDED_NAMED,
            ],
        }
    }

    /// The actions offered on `account`: on one's own, only ending its sessions (its
    /// password is changed with the current one, under "Change password").
    fn on(account: &StaffAccount, own: bool) -> Vec<Action> {
        if own {
            return vec![Action::EndSessions];
        }
        let switch = if account.disabled {
            Action::Enable
        } else {
            Action::Disable
        };
        vec![switch, Action::ResetPassword, Action::EndSessions]
    }

    /// Asks the server; how many sessions ended (0 for the other actions).
    async fn run(self, id: i64, password: String) -> Result<u32, ApiError> {
        match self {
            Action::Disable => api::switch_account(id, "disable").await.map(|_| 0),
            Action::Enable => api::switch_account(id, "enable").await.map(|_| 0),
            Action::ResetPassword => api::reset_password(id, &PasswordReset { password })
                .await
                .map(|_| 0),
            Action::EndSessions => api::end_sessions(id).await.map(|e| e.ended),
        }
    }
}

/// The account's state in words: disabled, waiting for a new password, or active.
fn state_of(account: &StaffAccount) -> Msg {
    if account.disabled {
        s::ACCOUNT_DISABLED
    } else if account.must_change_password {
        s::ACCOUNT_MUST_CHANGE
    } else {
        s::ACCOUNT_ACTIVE
    }
}

#[component]
fn AccountList(
    list: Vec<StaffAccount>,
    organisations: Organisations,
    accounts: Callback<()>,
    done: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let me = expect_context::<Me>();
    let confirming = RwSignal::new(None::<(i64, Action)>);
    let temporary = RwSignal::new(String::new());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let run = move |id: i64, username: String, action: Action| {
        let request = action.run(id, temporary.get_untracked());
        send(busy, failure, request, move |ended| {
            let l = lang.get_untracked();
            let args: [(&str, &dyn std::fmt::Display); 2] =
                [("username", &username), ("n", &ended)];
            done.set(action.words()[3].fill(l, &args));
            confirming.set(None);
            temporary.set(String::new());
            accounts.run(());
        });
    };
    let organisation_name = move |id: Option<i64>| {
        let l = lang.get();
        let all = organisations.get().and_then(Result::ok).unwrap_or_default();
        match id {
            None => s::ACCOUNT_EVERYWHERE.get(l).to_owned(),
            Some(id) => all
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.name.get(l.code()).to_owned())
                .unwrap_or_else(|| format!("#{id}")),
        }
    };
    view! {
        {list.is_empty().then(|| view! { <p class="empty">{t(s::ACCOUNTS_EMPTY)}</p> })}
        <ul class="sessions accounts">
            {list.into_iter().map(|a| {
                let (id, org) = (a.id, a.organisation_id);
                let own = me.get_untracked().is_some_and(|m| m.id == id);
                let state = state_of(&a);
                let role = s::role_label(a.role);
                let who = if a.display_name.is_empty() || a.display_name == a.username {
                    a.username.clone()
                } else {
                    format!("{} · {}", a.display_name, a.username)
                };
                let managed = me.get_untracked().is_none_or(|m| a.managed_by(m.id, m.organisation_id));
                let actions = if managed { Action::on(&a, own) } else { Vec::new() };
                let username = a.username.clone();
                view! {
                    <li class="session" class:cancelled=a.disabled>
                        <div class="session-main">
                            <p class="title">{who}</p>
                            <p class="meta">{move || format!("{} · {}", role.get(lang.get()), organisation_name(org))}</p>
                            <p class="state" data-testid="account-state">{t(state)}</p>
                            {(!managed).then(|| view! { <p class="small">{t(s::ACCOUNT_FROM_ABOVE)}</p> })}
                        </div>
                        <p class="actions">
                            {actions.iter().map(|&action| {
                                let username = username.clone();
                                let label = move || s::ACTION_ON_NAMED.fill(lang.get(), &[("action", &action.words()[0].get(lang.get())), ("username", &username)]);
                                view! {
                                    <button type="button" class:danger=action != Action::Enable aria-label=label
                                        on:click=move |_| { failure.set(None); temporary.set(String::new()); confirming.set(Some((id, action))) }>
                                        {t(action.words()[0])}
                                    </button>
                                }
                            }).collect_view()}
                        </p>
                        {actions.into_iter().map(|action| {
                            let username = username.clone();
                            view! {
                                <Show when=move || confirming.get() == Some((id, action))>
                                    <div class="confirm" role="group" aria-label=move || action.words()[0].get(lang.get())>
                                        <p>{t(action.words()[1])}</p>
                                        {(action == Action::ResetPassword).then(|| view! {
                                            <Input id="account-temporary-password" label=s::TEMPORARY_PASSWORD key="password" value=temporary failure=failure kind="text" autocomplete="off"/>
                                        })}
                                        <FailureAlert failure=failure fields_beside=true/>
                                        <p class="actions">
                                            {
                                                let username = username.clone();
                                                view! {
                                                    <button type="button" class="danger" aria-disabled=move || busy.get().then_some("true")
                                                        on:click=move |_| run(id, username.clone(), action)>{t(action.words()[2])}</button>
                                                }
                                            }
                                            <button type="button" on:click=move |_| confirming.set(None)>{t(s::CONFIRM_NO)}</button>
                                        </p>
                                    </div>
                                </Show>
                            }
                        }).collect_view()}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The organisations an account of `role` made by an organiser of `own` may belong to, in
/// tree order, indented by depth: not their own bureau for an organiser (a fellow, made from
/// the bureau above).
fn choices_for(
    role: Role,
    own: Option<i64>,
    all: &[OrganisationChoice],
) -> Vec<(i64, String, OrganisationChoice)> {
    in_tree_order(all)
        .into_iter()
        .filter(|(_, o)| role.may_belong_to(o.kind) && !fellow_organiser(role, Some(o.id), own))
        .map(|(depth, o)| (o.id, "\u{a0}\u{a0}".repeat(depth), o))
        .collect()
}

#[component]
fn AccountForm(organisations: Organisations, on_created: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let me = expect_context::<Me>();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::LabStaff);
    let organisation = RwSignal::new(None::<i64>);
    let failure: Failure = RwSignal::new(None);
    let created = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let account = NewStaffAccount {
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
            organisation_id: organisation.get_untracked(),
        };
        created.set(String::new());
        let request = async move { api::create_account(&account).await };
        send(busy, failure, request, move |staff| {
            let l = lang.get_untracked();
            created.set(s::ACCOUNT_CREATED_NAMED.fill(l, &[("username", &staff.username)]));
            username.set(String::new());
            display_name.set(String::new());
            password.set(String::new());
            on_created.run(());
        });
    };
    let choose_role = move |ev: leptos::ev::Event| {
        role.set(if event_target_value(&ev) == "organiser" {
            Role::Organiser
        } else {
            Role::LabStaff
        });
        // The organisation chosen for the other role may not fit this one.
        organisation.set(None);
    };
    view! {
        <form class="booking-form console-form" on:submit=submit novalidate>
            <Input id="account-username" label=s::USERNAME key="username" value=username failure=failure autocomplete="off"/>
            <Input id="account-display-name" label=s::DISPLAY_NAME key="display_name" value=display_name failure=failure autocomplete="off"/>
            <Input id="account-password" label=s::NEW_PASSWORD key="password" value=password failure=failure kind="password" autocomplete="new-password"/>
            <div class="field">
                <label for="account-role">{t(s::ROLE)}</label>
                <select id="account-role" on:change=choose_role>
                    {[Role::LabStaff, Role::Organiser].into_iter().map(|r| view! {
                        <option value=r.as_str() selected=move || role.get() == r>{t(s::role_label(r))}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="account-organisation">{t(s::ORGANISATION)}</label>
                <select id="account-organisation" on:change=move |ev| organisation.set(event_target_value(&ev).parse().ok())
                    aria-describedby="account-organisation-error">
                    <option value="" selected=move || organisation.get().is_none()>"—"</option>
                    {move || {
                        let all = organisations.get().and_then(Result::ok).unwrap_or_default();
                        let own = me.with(|m| m.as_ref().and_then(|m| m.organisation_id));
                        choices_for(role.get(), own, &all).into_iter().map(|(id, indent, o)| view! {
                            <option value=id.to_string() selected=move || organisation.get() == Some(id)>
                                {indent}{o.name.get(lang.get().code()).to_owned()}
                            </option>
                        }).collect_view()
                    }}
                </select>
                <FieldError failure=failure key="organisation_id" id="account-organisation"/>
            </div>
            <FormAlert failure=failure shown=&["username", "display_name", "password", "organisation_id"]/>
            <p role="status" aria-live="polite">{move || created.get()}</p>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>{t(s::CREATE_ACCOUNT)}</button>
        </form>
    }
}
