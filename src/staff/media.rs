//! Media coverage and photos for the written summary: staff record where an activity was
//! reported (link, outlet, date, headline) and upload photos with captions. Both appear on
//! the printable summary.

use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::loaded::{load, Loaded};
use crate::staff::api;
use crate::staff::form::{Failure, FieldError, FormAlert, Input};
use crate::staff::i18n as s;
use labday_domain::media::MediaDraft;
use labday_domain::photo::PHOTO_MAX_BYTES;
use labday_domain::{ApiError, ErrorCode, FieldCode};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MediaPage() -> impl IntoView {
    let lang = use_lang();
    let activities = load(api::scheduled_activities);
    let chosen = RwSignal::new(None::<i64>);
    let media = load(api::media);
    let photos = load(api::photos);
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
        {move || chosen.get().map(|activity_id| view! {
            <MediaForm activity_id=activity_id on_saved=Callback::new(move |_| media.refetch())/>
            <PhotoForm activity_id=activity_id on_saved=Callback::new(move |_| photos.refetch())/>
        })}
        <h2>{t(s::SUMMARY_MEDIA)}</h2>
        <Loaded from=media no_retry=true let:list>
            {
                let items: Vec<_> = list.into_iter().filter(|m| chosen.get().is_none_or(|a| a == m.activity_id)).collect();
                view! { <MediaList items/> }
            }
        </Loaded>
        <h2>{t(s::SUMMARY_PHOTOS)}</h2>
        <Loaded from=photos no_retry=true let:list>
            {
                let photos: Vec<_> = list.into_iter().filter(|p| chosen.get().is_none_or(|a| a == p.activity_id)).collect();
                view! { <PhotoGrid photos/> }
            }
        </Loaded>
    }
}

#[component]
fn MediaForm(activity_id: i64, #[prop(into)] on_saved: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let link = RwSignal::new(String::new());
    let outlet = RwSignal::new(String::new());
    let headline = RwSignal::new(String::new());
    let date = RwSignal::new(format::venue_now().date().to_string());
    let failure: Failure = RwSignal::new(None);
    let saved = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        saved.set(String::new());
        let Ok(published_on) = date.get_untracked().parse() else {
            failure.set(Some(
                ApiError::new(ErrorCode::Invalid, "date")
                    .with_field("published_on", FieldCode::Invalid),
            ));
            return;
        };
        let draft = MediaDraft {
            activity_id,
            link: link.get_untracked(),
            outlet: outlet.get_untracked(),
            headline: headline.get_untracked(),
            published_on,
        };
        spawn_local(async move {
            match api::add_media(&draft).await {
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
    view! {
        <section class="series">
            <h2>{t(s::MEDIA_ADD)}</h2>
            <form class="booking-form console-form" on:submit=submit novalidate>
                <Input id="media-link" label=s::MEDIA_LINK key="link" value=link failure=failure kind="url"/>
                <Input id="media-outlet" label=s::MEDIA_OUTLET key="outlet" value=outlet failure=failure/>
                <Input id="media-headline" label=s::MEDIA_HEADLINE key="headline" value=headline failure=failure/>
                <Input id="media-date" label=s::MEDIA_DATE key="published_on" value=date failure=failure kind="date"/>
                <FormAlert failure=failure shown=&["link", "outlet", "headline", "published_on"]/>
                <p role="status" aria-live="polite">{move || saved.get()}</p>
                <button type="submit" class="primary">{t(s::MEDIA_SAVE)}</button>
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
                <button type="submit" class="primary" disabled=move || busy.get()>{t(s::PHOTO_UPLOAD)}</button>
            </form>
        </section>
    }
}

/// Media items as a list: date, outlet, and the headline as the link.
#[component]
pub fn MediaList(items: Vec<labday_domain::media::MediaItem>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">{t(s::MEDIA_NONE)}</p> }.into_any();
    }
    view! {
        <ul class="media-list">
            {items.into_iter().map(|m| {
                let text = if m.headline.is_empty() { m.link.clone() } else { m.headline.clone() };
                view! {
                    <li>
                        <span class="small">{m.published_on.to_string()}</span>" · "
                        <strong>{m.outlet.clone()}</strong>" · "
                        <a href=m.link.clone() rel="noopener noreferrer" target="_blank">{text}</a>
                        <span class="print-only">{format!(" ({})", m.link)}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Photos with their captions as figures.
#[component]
pub fn PhotoGrid(photos: Vec<labday_domain::photo::PhotoItem>) -> impl IntoView {
    if photos.is_empty() {
        return view! { <p class="empty">{t(s::PHOTO_NONE)}</p> }.into_any();
    }
    view! {
        <div class="photos">
            {photos.into_iter().map(|p| view! {
                <figure class="photo">
                    <img src=api::photo_src(p.id) alt=p.caption.clone() loading="lazy"/>
                    <figcaption>{p.caption.clone()}</figcaption>
                </figure>
            }).collect_view()}
        </div>
    }
    .into_any()
}
