//! The audit log for organisers: who changed what, and when, newest first.

use crate::i18n::{t, use_lang};
use crate::loaded::{load, Loaded};
use crate::staff::api;
use crate::staff::i18n as s;
use crate::staff::OrganiserPage;
use leptos::prelude::*;

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <OrganiserPage title=s::AUDIT_TITLE>
            <AuditTable/>
        </OrganiserPage>
    }
}

#[component]
fn AuditTable() -> impl IntoView {
    let lang = use_lang();
    let log = load(|| api::audit_log(500));
    view! {
        <p>{t(s::AUDIT_INTRO)}</p>
        <Loaded from=log let:list>
            {if list.is_empty() {
                view! { <p class="empty">{t(s::AUDIT_EMPTY)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="roster">
                            <thead><tr>
                                <th scope="col">{t(s::COL_TIME)}</th>
                                <th scope="col">{t(s::COL_WHO)}</th>
                                <th scope="col">{t(s::COL_ACTION)}</th>
                                <th scope="col">{t(s::COL_SUBJECT)}</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| {
                                    let action = s::action_label(e.action);
                                    view! {
                                        <tr>
                                            <td>{e.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                            <td>{e.username.clone()}</td>
                                            <td>{move || action.get(lang.get())}</td>
                                            <td>{e.subject.clone()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </Loaded>
    }
}
