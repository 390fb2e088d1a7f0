//! Organisers see the organisations they act for as a tree (province → city → county
//! bureaus, labs and institutes under any bureau), create one under a bureau and edit one.
//! The kinds offered are those that may sit under the parent (`OrgKind::may_sit_under`, the
//! rule the server applies); every error the server names appears beside its field.

use crate::i18n::{t, use_lang, Msg};
use crate::loaded::{load, Loaded};
use crate::staff::api;
use crate::staff::form::{send, Failure, FieldError, FormAlert, Input};
use crate::staff::i18n as s;
use crate::staff::OrganiserPage;
use labday_domain::activity::Localised;
use labday_domain::organisation::{OrgKind, OrganisationDraft};
use labday_domain::schedule::OrganisationChoice;
use labday_domain::time::SHANGHAI_OFFSET_MINUTES;
use labday_domain::FieldCode;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

#[component]
pub fn OrganisationsPage() -> impl IntoView {
    view! {
        <OrganiserPage title=s::ORGS_TITLE>
            <OrganisationTree/>
        </OrganiserPage>
    }
}

/// What the form open under a node does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    AddUnder(i64),
    Edit(i64),
}

/// The tree's shared state: the list (refetched after a save), the open form and the last
/// result, announced.
#[derive(Clone, Copy)]
struct Tree {
    list: crate::loaded::Answer<Result<Vec<OrganisationChoice>, labday_domain::ApiError>>,
    opened: RwSignal<Option<Opened>>,
    done: RwSignal<String>,
}

/// The organisations directly under `parent` (`None`: the top of what the list holds, that
/// is those whose parent is not in it), in the list's order.
pub fn children(all: &[OrganisationChoice], parent: Option<i64>) -> Vec<OrganisationChoice> {
    all.iter()
        .filter(|o| match parent {
            Some(p) => o.parent_id == Some(p),
            None => o.parent_id.is_none_or(|p| all.iter().all(|x| x.id != p)),
        })
        .cloned()
        .collect()
}

/// The list in tree order, each with its depth (0 at the top): how a select shows the tree.
pub fn in_tree_order(all: &[OrganisationChoice]) -> Vec<(usize, OrganisationChoice)> {
    fn walk(
        all: &[OrganisationChoice],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(usize, OrganisationChoice)>,
    ) {
        for o in children(all, parent) {
            let id = o.id;
            out.push((depth, o));
            walk(all, Some(id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(all.len());
    walk(all, None, 0, &mut out);
    out
}

#[component]
fn OrganisationTree() -> impl IntoView {
    let tree = Tree {
        list: load(api::organisations),
        opened: RwSignal::new(None),
        done: RwSignal::new(String::new()),
    };
    view! {
        <p>{t(s::ORGS_INTRO)}</p>
        <p role="status" aria-live="polite" class="notice">{move || tree.done.get()}</p>
        <Loaded from=tree.list let:all>
            {if all.is_empty() {
                view! { <p class="empty">{t(s::ORGS_EMPTY)}</p> }.into_any()
            } else {
                branch(tree, Arc::new(all), None)
            }}
        </Loaded>
    }
}

/// The nested list of the organisations under `parent`.
fn branch(tree: Tree, all: Arc<Vec<OrganisationChoice>>, parent: Option<i64>) -> AnyView {
    let parent_kind = parent.and_then(|p| all.iter().find(|o| o.id == p).map(|o| o.kind));
    let nodes = children(&all, parent)
        .into_iter()
        .map(|o| node(tree, all.clone(), o, parent_kind))
        .collect_view();
    view! { <ul class="org-tree">{nodes}</ul> }.into_any()
}

fn node(
    tree: Tree,
    all: Arc<Vec<OrganisationChoice>>,
    org: OrganisationChoice,
    parent_kind: Option<OrgKind>,
) -> impl IntoView {
    let lang = use_lang();
    let (id, kind) = (org.id, org.kind);
    let name = org.name.clone();
    let named = move |msg: Msg| msg.fill(lang.get(), &[("name", &name.get(lang.get().code()))]);
    let named_too = named.clone();
    let toggle = move |what: Opened| {
        tree.opened
            .update(|o| *o = if *o == Some(what) { None } else { Some(what) })
    };
    let has_children = all.iter().any(|o| o.parent_id == Some(id));
    view! {
        <li class="org">
            <div class="org-row">
                <p class="title">{move || org.name.get(lang.get().code()).to_owned()}
                    " "<span class="state">{t(s::kind_label(kind))}</span></p>
                <p class="actions">
                    {kind.is_bureau().then(|| view! {
                        <button type="button" on:click=move |_| toggle(Opened::AddUnder(id))
                            aria-expanded=move || (tree.opened.get() == Some(Opened::AddUnder(id))).to_string()
                            aria-label=move || named(s::ORG_ADD_UNDER_NAMED)>{t(s::ORG_ADD_CHILD)}</button>
                    })}
                    <button type="button" on:click=move |_| toggle(Opened::Edit(id))
                        aria-expanded=move || (tree.opened.get() == Some(Opened::Edit(id))).to_string()
                        aria-label=move || named_too(s::ORG_EDIT_NAMED)>{t(s::EDIT)}</button>
                </p>
            </div>
            <Show when=move || tree.opened.get() == Some(Opened::AddUnder(id))>
                <OrganisationForm tree parent=Some(id) parent_kind=Some(kind) editing=None/>
            </Show>
            <Show when=move || tree.opened.get() == Some(Opened::Edit(id))>
                <OrganisationForm tree parent=None parent_kind editing=Some(id)/>
            </Show>
            {has_children.then(|| branch(tree, all.clone(), Some(id)))}
        </li>
    }
}

/// An organisation's name errors in words about an organisation (the codes are a person's
/// name's too, whose words say "your name").
fn name_words(code: FieldCode) -> Msg {
    match code {
        FieldCode::NameRequired => s::ORG_NAME_REQUIRED,
        FieldCode::NameTooLong => s::ORG_NAME_TOO_LONG,
        other => crate::staff::i18n::field_error(other),
    }
}

/// The two-language text of a pair of fields, Chinese first.
fn localised(zh: RwSignal<String>, en: RwSignal<String>) -> Localised {
    Localised::new(zh.get_untracked(), en.get_untracked())
}

/// A pair of signals for a two-language text.
fn pair() -> (RwSignal<String>, RwSignal<String>) {
    (RwSignal::new(String::new()), RwSignal::new(String::new()))
}

fn fill(pair: (RwSignal<String>, RwSignal<String>), text: &Localised) {
    pair.0.set(text.zh.clone());
    pair.1.set(text.en.clone());
}

/// Creates an organisation under `parent` or edits `editing` (whose parent is of
/// `parent_kind`, `None` at the top).
#[component]
fn OrganisationForm(
    tree: Tree,
    parent: Option<i64>,
    parent_kind: Option<OrgKind>,
    editing: Option<i64>,
) -> impl IntoView {
    let lang = use_lang();
    let kinds: Vec<OrgKind> = OrgKind::ALL
        .iter()
        .copied()
        .filter(|k| k.may_sit_under(parent_kind))
        .collect();
    let kind = RwSignal::new(kinds.first().copied().unwrap_or(OrgKind::Lab));
    let (name, city, county, address) = (pair(), pair(), pair(), pair());
    let contact = RwSignal::new(String::new());
    let offset = RwSignal::new(SHANGHAI_OFFSET_MINUTES.to_string());
    let failure: Failure = RwSignal::new(None);
    let busy = RwSignal::new(false);
    if let Some(id) = editing {
        busy.set(true);
        spawn_local(async move {
            match api::organisation(id).await {
                Ok(found) => {
                    let d = found.draft;
                    kind.set(d.kind);
                    fill(name, &d.name);
                    fill(city, &d.city);
                    fill(county, &d.county);
                    fill(address, &d.address);
                    contact.set(d.contact);
                    offset.set(d.utc_offset_minutes.to_string());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = OrganisationDraft {
            parent_id: parent,
            kind: kind.get_untracked(),
            name: localised(name.0, name.1),
            city: localised(city.0, city.1),
            county: localised(county.0, county.1),
            address: localised(address.0, address.1),
            contact: contact.get_untracked(),
            // Not a number: out of range, which the server names beside the field.
            utc_offset_minutes: offset.get_untracked().trim().parse().unwrap_or(i32::MAX),
        };
        let request = async move {
            match editing {
                Some(id) => api::update_organisation(id, &draft).await,
                None => api::create_organisation(&draft).await,
            }
        };
        send(busy, failure, request, move |org| {
            let msg = if editing.is_some() {
                s::ORG_SAVED_NAMED
            } else {
                s::ORG_CREATED_NAMED
            };
            let l = lang.get_untracked();
            let name = org.draft.name.get(l.code());
            tree.done.set(msg.fill(l, &[("name", &name)]));
            tree.opened.set(None);
            tree.list.refetch();
        });
    };
    // One form is open at a time, so its ids are unique on the page.
    let kind_id = "org-kind";
    view! {
        <form class="booking-form console-form org-form" on:submit=submit novalidate>
            <div class="field">
                <label for=kind_id>{t(s::ORG_KIND)}</label>
                <select id=kind_id on:change=move |ev| {
                    if let Some(k) = OrgKind::parse(&event_target_value(&ev)) { kind.set(k) }
                } aria-describedby=format!("{kind_id}-error")>
                    {kinds.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{t(s::kind_label(k))}</option>
                    }).collect_view()}
                </select>
                <FieldError failure=failure key="kind" id=kind_id/>
            </div>
            <Input id="org-name-zh" label=s::ORG_NAME_ZH key="name" value=name.0 failure=failure autocomplete="off" required=true words=name_words/>
            <Input id="org-name-en" label=s::ORG_NAME_EN key="name_en" value=name.1 failure=failure autocomplete="off"/>
            <Input id="org-city-zh" label=s::ORG_CITY_ZH key="city" value=city.0 failure=failure autocomplete="off"/>
            <Input id="org-city-en" label=s::ORG_CITY_EN key="city_en" value=city.1 failure=failure autocomplete="off"/>
            <Input id="org-county-zh" label=s::ORG_COUNTY_ZH key="county" value=county.0 failure=failure autocomplete="off"/>
            <Input id="org-county-en" label=s::ORG_COUNTY_EN key="county_en" value=county.1 failure=failure autocomplete="off"/>
            <Input id="org-address-zh" label=s::ORG_ADDRESS_ZH key="address" value=address.0 failure=failure autocomplete="off"/>
            <Input id="org-address-en" label=s::ORG_ADDRESS_EN key="address_en" value=address.1 failure=failure autocomplete="off"/>
            <Input id="org-contact" label=s::ORG_CONTACT key="contact" value=contact failure=failure autocomplete="off"/>
            <Input id="org-offset" label=s::ORG_OFFSET key="utc_offset_minutes" value=offset failure=failure/>
            <p class="small">{t(s::ORG_OFFSET_KEEPS_TIMES)}</p>
            <FormAlert failure=failure shown=&["kind", "name", "city", "county", "address", "contact", "utc_offset_minutes"]/>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                {t(if editing.is_some() { s::SAVE } else { s::ORG_CREATE })}
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, kind: OrgKind, parent_id: Option<i64>) -> OrganisationChoice {
        OrganisationChoice {
            id,
            name: Localised::new(format!("单位{id}"), ""),
            kind,
            parent_id,
        }
    }

    #[test]
    fn the_tree_puts_each_organisation_under_its_parent_and_starts_where_the_reach_does() {
        use OrgKind::*;
        // A city organiser's reach: its bureau's parent is not in the list.
        let all = [
            org(2, CityBureau, Some(1)),
            org(3, CountyBureau, Some(2)),
            org(5, Lab, Some(2)),
            org(4, Lab, Some(3)),
        ];
        let order: Vec<(usize, i64)> = in_tree_order(&all)
            .into_iter()
            .map(|(depth, o)| (depth, o.id))
            .collect();
        assert_eq!(order, [(0, 2), (1, 3), (2, 4), (1, 5)]);
        assert!(children(&all, Some(5)).is_empty());
    }
}
