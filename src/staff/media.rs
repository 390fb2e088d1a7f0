//! Media coverage and photos for the written summary: staff record where an activity was
//! reported (link, outlet, date, headline) and upload photos with captions, and correct or
//! delete either. Both appear on the printable summary and in the Word report.

use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::loaded::{load, Loaded};
use crate::staff::api;
use crate::staff::form::{Failure, FieldError, FormAlert, Input, Typed};
use crate::staff::i18n as s;
use labday_domain::media::{MediaDraft, MediaItem};
use labday_domain::photo::{PhotoEdit, PhotoItem, PHOTO_MAX_BYTES};
use labday_domain::{ApiError, ErrorCode, FieldCode};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MediaPage() -> impl IntoView {
    crate::title::use_title(s::MEDIA_TITLE);
    let lang = use_lang();
    let activities = load(api::scheduled_activities);
    let chosen = RwSignal::new(None::<i64>);
    let media = load(api::media);
    let photos = load(api::photos);
    let editing = RwSignal::new(None::<MediaItem>);
    let captioning = RwSignal::new(None::<PhotoItem>);
    let outcome: Failure = RwSignal::new(None);
    let done = RwSignal::new(String::new());
    // A delete after the browser's own confirmation; its outcome is announced.
    let remove = move |what: String, delete: DeleteCall| {
        let l = lang.get_untracked();
        let asked = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(&s::CONFIRM_DELETE_NAMED.fill(l, &[("what", &what)]))
                    .ok()
            })
            .unwrap_or(false);
        if !asked {
            return;
        }
        outcome.set(None);
        spawn_local(async move {
            match delete.await {
                Ok(()) => {
                    done.set(format!("{}：{what}", s::DELETED.get(l)));
                    media.refetch();
                    photos.refetch();
                }
                Err(e) => outcome.set(Some(e)),
            }
        });
    };
    let edit_media = Callback::new(move |m: MediaItem| editing.set(Some(m)));
    let delete_media =
        Callback::new(move |m: MediaItem| remove(m.outlet, Box::pin(api::delete_media(m.id))));
    let edit_photo = Callback::new(move |p: PhotoItem| captioning.set(Some(p)));
    let delete_photo =
        Callback::new(move |p: PhotoItem| remove(p.caption, Box::pin(api::delete_photo(p.id))));
    view! {
        <p><a href="/staff/" class="back">{t(i18n::BACK)}</a></p>
        <h1>{t(s::MEDIA_TITLE)}</h1>
        <p>{t(s::MEDIA_INTRO)}</p>
        <Loaded from=activities let:list>
            <label for="media-activity">{t(s::CHOOSE_ACTIVITY)}</label>
            <select id="media-activity" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                <option value="">"—"</option>
                {list.into_iter().map(|a| {
                    let id = a.id;
                    let label = move || {
                        let l = lang.get().code();
                        format!("{} · {}", a.draft.title.get(l), a.organisation.get(l))
                    };
                    view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>{label}</option> }
                }).collect_view()}
            </select>
        </Loaded>
        {move || match editing.get() {
            Some(item) => view! {
                <MediaForm activity_id=item.activity_id existing=item on_saved=Callback::new(move |_| {
                    editing.set(None);
                    media.refetch();
                })/>
            }.into_any(),
            None => chosen.get().map(|activity_id| view! {
                <MediaForm activity_id=activity_id on_saved=Callback::new(move |_| media.refetch())/>
                <PhotoForm activity_id=activity_id on_saved=Callback::new(move |_| photos.refetch())/>
            }).into_any(),
        }}
        {move || captioning.get().map(|photo| view! {
            <CaptionForm photo=photo on_saved=Callback::new(move |_| {
                captioning.set(None);
                photos.refetch();
            })/>
        })}
        <p role="status" aria-live="polite">{move || done.get()}</p>
        <FormAlert failure=outcome shown=&[]/>
        <h2>{t(s::SUMMARY_MEDIA)}</h2>
        <Loaded from=media no_retry=true let:list>
            {
                let items: Vec<_> = list.into_iter().filter(|m| chosen.get().is_none_or(|a| a == m.activity_id)).collect();
                view! { <MediaList items on_edit=edit_media on_delete=delete_media/> }
            }
        </Loaded>
        <h2>{t(s::SUMMARY_PHOTOS)}</h2>
        <Loaded from=photos no_retry=true let:list>
            {
                let photos: Vec<_> = list.into_iter().filter(|p| chosen.get().is_none_or(|a| a == p.activity_id)).collect();
                view! { <PhotoGrid photos on_edit=edit_photo on_delete=delete_photo/> }
            }
        </Loaded>
    }
}

/// A delete request to await.
type DeleteCall = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>;

/// Records a media item for `activity_id`, or corrects `existing`.
#[component]
fn MediaForm(
    activity_id: i64,
    #[prop(optional)] existing: Option<MediaItem>,
    #[prop(into)] on_saved: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let editing = existing.as_ref().map(|m| m.id);
    let start = |pick: fn(&MediaItem) -> String| existing.as_ref().map(pick).unwrap_or_default();
    let link = RwSignal::new(start(|m| m.link.clone()));
    let outlet = RwSignal::new(start(|m| m.outlet.clone()));
    let headline = RwSignal::new(start(|m| m.headline.clone()));
    let today = format::venue_now().date();
    let date = RwSignal::new(
        existing
            .as_ref()
            .map_or(today, |m| m.published_on)
            .to_string(),
    );
    let failure: Failure = RwSignal::new(None);
    let saved = RwSignal::new(String::new());
    // One save at a time: a second tap while the first is on its way would add the item twice.
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        failure.set(None);
        saved.set(String::new());
        let mut typed = Typed::default();
        let published_on = typed.date("published_on", date);
        if let Err(e) = typed.finish(()) {
            failure.set(Some(e));
            return;
        }
        let draft = MediaDraft {
            activity_id,
            link: link.get_untracked(),
            outlet: outlet.get_untracked(),
            headline: headline.get_untracked(),
            published_on,
        };
        busy.set(true);
        spawn_local(async move {
            let answer = match editing {
                Some(id) => api::update_media(id, &draft).await,
                None => api::add_media(&draft).await,
            };
            busy.set(false);
            match answer {
                Ok(item) => {
                    saved.set(
                        s::MEDIA_SAVED_NAMED
                            .fill(lang.get_untracked(), &[("outlet", &item.outlet)]),
                    );
                    link.set(String::new());
                    outlet.set(String::new());
                    headline.set(String::new());
                    on_saved.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let (title, button) = match editing {
        Some(_) => (s::MEDIA_CORRECT, s::SAVE),
        None => (s::MEDIA_ADD, s::MEDIA_SAVE),
    };
    view! {
        <section class="series">
            <h2>{t(title)}</h2>
            <form class="booking-form console-form" on:submit=submit novalidate>
                <Input id="media-link" label=s::MEDIA_LINK key="link" value=link failure=failure kind="url"/>
                <Input id="media-outlet" label=s::MEDIA_OUTLET key="outlet" value=outlet failure=failure/>
                <Input id="media-headline" label=s::MEDIA_HEADLINE key="headline" value=headline failure=failure/>
                <Input id="media-date" label=s::MEDIA_DATE key="published_on" value=date failure=failure kind="date"/>
                <FormAlert failure=failure shown=&["link", "outlet", "headline", "published_on"]/>
                <p role="status" aria-live="polite">{move || saved.get()}</p>
                <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>{t(button)}</button>
                {editing.map(|_| view! {
                    <button type="button" class="secondary" on:click=move |_| on_saved.run(())>{t(s::STOP_EDITING)}</button>
                })}
            </form>
        </section>
    }
}

/// Corrects a photo's caption.
#[component]
fn CaptionForm(photo: PhotoItem, #[prop(into)] on_saved: Callback<()>) -> impl IntoView {
    let caption = RwSignal::new(photo.caption.clone());
    let failure: Failure = RwSignal::new(None);
    let id = photo.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let edit = PhotoEdit {
            caption: caption.get_untracked(),
        };
        spawn_local(async move {
            match api::update_photo(id, &edit).await {
                Ok(_) => on_saved.run(()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <section class="series">
            <h2>{t(s::PHOTO_CORRECT)}</h2>
            <form class="booking-form console-form" on:submit=submit novalidate>
                <img class="thumb" src=api::photo_src(id) alt=photo.caption.clone()/>
                <Input id="photo-edit-caption" label=s::PHOTO_CAPTION key="caption" value=caption failure=failure/>
                <FormAlert failure=failure shown=&["caption"]/>
                <button type="submit" class="primary">{t(s::SAVE)}</button>
                <button type="button" class="secondary" on:click=move |_| on_saved.run(())>{t(s::STOP_EDITING)}</button>
            </form>
        </section>
    }
}

#[component]
fn PhotoForm(activity_id: i64, #[prop(into)] on_saved: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let caption = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let failure: Failure = RwSignal::new(None);
    let saved = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        failure.set(None);
        saved.set(String::new());
        let file = file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        // Checked here too, so a phone does not send 20 MB only to hear it is too big.
        let local = match &file {
            None => Some(FieldCode::PhotoRequired),
            Some(f) if f.size() > PHOTO_MAX_BYTES as f64 => Some(FieldCode::PhotoTooLarge),
            Some(_) => None,
        };
        if let Some(code) = local {
            let mut e = ApiError::new(ErrorCode::Invalid, "photo").with_field("photo", code);
            if caption.get_untracked().trim().is_empty() {
                e = e.with_field("caption", FieldCode::CaptionRequired);
            }
            failure.set(Some(e));
            return;
        }
        let Some(file) = file else { return };
        let text = caption.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match api::upload_photo(activity_id, &text, file).await {
                Ok(_) => {
                    saved.set(s::PHOTO_SAVED.get(lang.get_untracked()).to_owned());
                    caption.set(String::new());
                    if let Some(input) = file_input.get_untracked() {
                        input.set_value("");
                    }
                    on_saved.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let invalid =
        move || failure.with(|f| f.as_ref().is_some_and(|e| e.fields.contains_key("photo")));
    view! {
        <section class="series">
            <h2>{t(s::PHOTO_ADD)}</h2>
            <form class="booking-form console-form" on:submit=submit novalidate>
                <div class="field">
                    <label for="photo-file">{t(s::PHOTO_FILE)}</label>
                    <input id="photo-file" type="file" accept="image/jpeg,image/png,image/webp" node_ref=file_input
                        aria-invalid=move || invalid().then_some("true")
                        aria-describedby=move || invalid().then_some("photo-file-error")/>
                    <FieldError failure=failure key="photo" id="photo-file"/>
                </div>
                <Input id="photo-caption" label=s::PHOTO_CAPTION key="caption" value=caption failure=failure/>
                <FormAlert failure=failure shown=&["photo", "caption"]/>
                <p role="status" aria-live="polite">{move || saved.get()}</p>
                <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>{t(s::PHOTO_UPLOAD)}</button>
            </form>
        </section>
    }
}

/// Edit and delete buttons for one item, named after it for screen readers; nothing
/// when the list is read-only.
fn item_actions<T: Clone + Send + Sync + 'static>(
    item: &T,
    name: String,
    on_edit: Option<Callback<T>>,
    on_delete: Option<Callback<T>>,
) -> impl IntoView {
    let lang = use_lang();
    let (edited, removed) = (item.clone(), item.clone());
    let named = move |m: crate::i18n::Msg| m.fill(lang.get(), &[("what", &name)]);
    let edit_label = named.clone();
    (on_edit.zip(on_delete)).map(|(on_edit, on_delete)| {
        view! {
            <span class="item-actions no-print">
                <button type="button" class="secondary" aria-label=move || edit_label(s::EDIT_NAMED)
                    on:click=move |_| on_edit.run(edited.clone())>{t(s::EDIT)}</button>
                <button type="button" class="danger" aria-label=move || named(s::DELETE_NAMED)
                    on:click=move |_| on_delete.run(removed.clone())>{t(s::DELETE)}</button>
            </span>
        }
    })
}

/// Media items as a list: date, outlet, and the headline as the link; with edit and delete
/// buttons when given what they do.
#[component]
pub fn MediaList(
    items: Vec<MediaItem>,
    #[prop(optional)] on_edit: Option<Callback<MediaItem>>,
    #[prop(optional)] on_delete: Option<Callback<MediaItem>>,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">{t(s::MEDIA_NONE)}</p> }.into_any();
    }
    view! {
        <ul class="media-list">
            {items.into_iter().map(|m| {
                let text = if m.headline.is_empty() { m.link.clone() } else { m.headline.clone() };
                let actions = item_actions(&m, m.outlet.clone(), on_edit, on_delete);
                view! {
                    <li>
                        <span class="small">{m.published_on.to_string()}</span>" · "
                        <strong>{m.outlet.clone()}</strong>" · "
                        <a href=m.link.clone() rel="noopener noreferrer" target="_blank">{text}</a>
                        <span class="print-only">{format!(" ({})", m.link)}</span>
                        {actions}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Photos with their captions as figures; with edit and delete buttons when given what
/// they do.
#[component]
pub fn PhotoGrid(
    photos: Vec<PhotoItem>,
    #[prop(optional)] on_edit: Option<Callback<PhotoItem>>,
    #[prop(optional)] on_delete: Option<Callback<PhotoItem>>,
) -> impl IntoView {
    if photos.is_empty() {
        return view! { <p class="empty">{t(s::PHOTO_NONE)}</p> }.into_any();
    }
    view! {
        <div class="photos">
            {photos.into_iter().map(|p| {
                let actions = item_actions(&p, p.caption.clone(), on_edit, on_delete);
                view! {
                    <figure class="photo">
                        <img src=api::photo_src(p.id) alt=p.caption.clone() loading="lazy"/>
                        <figcaption>{p.caption.clone()}{actions}</figcaption>
                    </figure>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}
