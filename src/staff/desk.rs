//! The scan desk every door and bench shares: the session it serves, a code typed or scanned
//! with the camera (`scanner`), what just happened announced to everyone (screen readers
//! too), and the last refusal in words. The roster (check-in) and the samples bench
//! (receiving) are a desk each, with their own list below it. Before the session's day on its
//! venue's clock the desk says up front that its work (check-in, walk-ins, receiving) opens
//! that day, as the server would answer each try (`staff::from_session_day`); a cancelled
//! session's desk says it takes nothing more, and offers no field to try. A code of another
//! session of the organisation is refused with that session named (`elsewhere`), and the
//! desk says when it is, and whether its holder should go there.

use crate::components::status::FailureAlert;
use crate::i18n::{self, t, use_lang, Lang, Msg};
use crate::loaded::load_id;
use crate::staff::form::{invalid_attrs, FieldError};
use crate::staff::i18n as s;
use crate::staff::scanner;
use crate::{api, format};
use labday_domain::session::{Availability, SessionView};
use labday_domain::staff::from_session_day;
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use wasm_bindgen::JsCast;

/// What a desk shows and its page changes: the typed code, the announcement, the last
/// failure, whether its session was cancelled (the desk then takes no code and no
/// walk-in, as the server would refuse them), its venue's offset from UTC in minutes
/// (China's until the session is read), and whether it is an online seat (no door: no
/// no-shows to mark).
#[derive(Clone, Copy)]
pub struct Desk {
    pub code: RwSignal<String>,
    pub announce: RwSignal<String>,
    pub failure: RwSignal<Option<ApiError>>,
    pub closed: RwSignal<bool>,
    pub offset: RwSignal<i32>,
    pub online: RwSignal<bool>,
}

impl Desk {
    pub fn new() -> Desk {
        Desk {
            code: RwSignal::new(String::new()),
            announce: RwSignal::new(String::new()),
            failure: RwSignal::new(None),
            closed: RwSignal::new(false),
            offset: RwSignal::new(labday_domain::time::SHANGHAI_OFFSET_MINUTES),
            online: RwSignal::new(false),
        }
    }

    /// Clears the last answer's news and refusal: what the last code did is no longer news
    /// once another is on its way.
    pub fn begin(self) {
        self.failure.set(None);
        self.announce.set(String::new());
    }

    /// Closes the desk when `refusal` says its session was cancelled since the page loaded
    /// (another console did it): the code field, the camera and the walk-ins go, as the
    /// server would refuse each try.
    pub fn closes_on(self, refusal: &ApiError) {
        if refusal.code == ErrorCode::SessionCancelled {
            self.closed.set(true);
        }
    }

    /// Runs `call`: on success announces what `done` makes of its answer, else shows why not.
    pub fn act<T: 'static>(
        self,
        call: impl Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) -> String + 'static,
    ) {
        self.begin();
        spawn_local(async move {
            match call.await {
                Ok(answer) => {
                    let text = done(answer);
                    self.announce.set(text);
                }
                Err(e) => self.failure.set(Some(e)),
            }
        });
    }
}

impl Default for Desk {
    fn default() -> Self {
        Desk::new()
    }
}

/// A desk for the session `id`: `title` heads it; the field `field` (labelled `label`, sent
/// with `action`) and the camera (its button says `scan`) both hand each code to `on_code`;
/// `children` follow.
#[component]
pub fn ScanDesk(
    desk: Desk,
    id: Memo<Option<i64>>,
    title: Msg,
    field: &'static str,
    label: Msg,
    action: Msg,
    scan: Msg,
    on_code: Callback<String>,
    children: Children,
) -> impl IntoView {
    crate::title::use_title(title);
    let lang = use_lang();
    let session = load_id(id, api::session);
    Effect::new(move |_| {
        if let Some(Ok(found)) = session.get() {
            desk.closed
                .set(found.availability == Availability::Cancelled);
            desk.offset.set(found.utc_offset_minutes);
            desk.online
                .set(found.format == labday_domain::SessionFormat::CloudClassroom);
        }
    });
    Effect::new(move |_| desk.failure.with(|f| f.as_ref().map(|e| desk.closes_on(e))));
    let scanning = RwSignal::new(false);
    let (invalid, described_by) = invalid_attrs(desk.failure, "code", field);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_code.run(desk.code.get_untracked());
    };
    let video = NodeRef::<leptos::html::Video>::new();
    // Why the camera did not start, and whether the running camera has a torch (and it is on).
    let camera_error = RwSignal::new(None::<scanner::CameraError>);
    let torch = RwSignal::new(None::<bool>);
    let stop = move || {
        scanner::stop();
        scanning.set(false);
        torch.set(None);
    };
    let toggle_scan = move |_| {
        if scanning.get_untracked() {
            stop();
            return;
        }
        camera_error.set(None);
        scanning.set(true);
        spawn_local(async move {
            let Some(el) = video.get_untracked() else {
                return;
            };
            let el: web_sys::HtmlVideoElement = el.unchecked_into();
            match scanner::start(&el, move |text| on_code.run(text)).await {
                Ok(started) => torch.set(started.torch.then_some(false)),
                Err(e) => {
                    stop();
                    camera_error.set(Some(e));
                }
            }
        });
    };
    let toggle_torch = move |_| {
        let on = torch.get_untracked() == Some(false);
        spawn_local(async move {
            if scanner::set_torch(on).await && scanning.get_untracked() {
                torch.set(Some(on));
            }
        });
    };
    on_cleanup(scanner::stop);
    // A closed desk's camera stops with it.
    Effect::new(move |_| {
        if desk.closed.get() && scanning.get_untracked() {
            stop();
        }
    });
    let availability = scanner::availability();
    let elsewhere = elsewhere(desk);
    view! {
        <p><a href="/staff/" class="back">{t(i18n::BACK)}</a></p>
        <h1>{t(title)}</h1>
        {move || session.get().and_then(Result::ok).map(|found| {
            let l = lang.get();
            let now = format::venue_now_at(found.utc_offset_minutes);
            let early = from_session_day(now, found.starts_at).is_err();
            view! {
                <p class="title">{format!("{} · {}", found.activity_title.get(l.code()), found.title.get(l.code()))}</p>
                <p class="meta">{format!("{} · {}", format::slot(found.starts_at, found.ends_at, l), format::place_held(&found.place, found.held_at.as_ref(), l))}</p>
                {early.then(|| view! {
                    <p class="notice" data-testid="before-session-day">{t(s::ERR_BEFORE_SESSION_DAY)}</p>
                })}
            }
        })}
        <Show when=move || desk.closed.get()>
            <p class="notice" role="status" data-testid="desk-cancelled">{t(s::ERR_DESK_SESSION_CANCELLED)}</p>
        </Show>
        <p class="sr-only" role="status" aria-live="polite">{move || desk.announce.get()}</p>
        <p class="notice" aria-hidden="true" data-testid="desk-announce">{move || desk.announce.get()}</p>
        <div hidden=move || desk.closed.get()>
        <form class="booking-form" on:submit=submit>
            <label for=field>{t(label)}</label>
            <input id=field autocomplete="off" autocapitalize="characters" bind:value=desk.code
                aria-invalid=invalid aria-describedby=described_by/>
            <FieldError failure=desk.failure key="code" id=field/>
            <button type="submit" class="primary">{t(action)}</button>
        </form>
        <p class="actions">
            {match availability {
                scanner::Availability::Ready => view! {
                    <button type="button" on:click=toggle_scan>
                        {move || if scanning.get() { s::SCAN_STOP.get(lang.get()) } else { scan.get(lang.get()) }}
                    </button>
                    {move || torch.get().map(|on| view! {
                        <button type="button" class="torch" aria-pressed=if on { "true" } else { "false" }
                            on:click=toggle_torch>{t(s::TORCH)}</button>
                    })}
                }.into_any(),
                scanner::Availability::NeedsHttps => view! { <span class="small">{t(s::SCAN_NEEDS_HTTPS)}</span> }.into_any(),
                scanner::Availability::Unsupported => view! { <span class="small">{t(s::SCAN_UNSUPPORTED)}</span> }.into_any(),
            }}
        </p>
        {move || camera_error.get().map(|e| view! {
            <p class="error" role="alert" data-testid="camera-error">{t(camera_message(e))}</p>
        })}
        <video node_ref=video class="scanner" playsinline muted hidden=move || !scanning.get()></video>
        </div>
        <FailureAlert failure=desk.failure messages=desk_error/>
        {move || elsewhere.get().map(|other| {
            let said = elsewhere_said(&other, lang.get());
            view! { <p class="error" role="alert" data-testid="elsewhere">{said}</p> }
        })}
        {children()}
    }
}

/// The session the desk's last refused code belongs to, when the server names one
/// (`wrong_session` within the organisation): read so staff can send its holder there.
fn elsewhere(desk: Desk) -> RwSignal<Option<SessionView>> {
    let found = RwSignal::new(None::<SessionView>);
    let named = move || desk.failure.with(|f| f.as_ref().and_then(|e| e.elsewhere));
    Effect::new(move |_| {
        found.set(None);
        if let Some(id) = named() {
            spawn_local(async move {
                // Shown only while that refusal is still the last one.
                if let (Ok(session), true) = (api::session(id).await, untrack(named) == Some(id)) {
                    found.set(Some(session));
                }
            });
        }
    });
    found
}

/// That a code is for `other`, another session of the organisation: when and where (with
/// its own address when it is held away from the organiser, at a market say), and
/// whether to send its holder there (only if it is still to come or under way).
pub fn elsewhere_said(other: &SessionView, l: Lang) -> String {
    let session = format!(
        "{} · {} {} · {}",
        format::slot(other.starts_at, other.ends_at, l),
        other.activity_title.get(l.code()),
        other.title.get(l.code()),
        format::place_held(&other.place, other.held_at.as_ref(), l),
    );
    let then = if other.availability == Availability::Cancelled {
        s::ELSEWHERE_CANCELLED
    } else if other.ends_at <= format::venue_now_at(other.utc_offset_minutes) {
        s::ELSEWHERE_OVER
    } else {
        s::ELSEWHERE_GO
    };
    // Chinese sentences follow each other without a space.
    let gap = if l == Lang::Zh { "" } else { " " };
    let named = s::CODE_ELSEWHERE.fill(l, &[("session", &session)]);
    format!("{named}{gap}{}", then.get(l))
}

/// A desk's refusals in words: a code it does not find is only that (a desk asks for no
/// phone number), and a cancelled session says what the desk can no longer do.
fn desk_error(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::NotFound => s::ERR_CODE_NOT_FOUND,
        ErrorCode::SessionCancelled => s::ERR_DESK_SESSION_CANCELLED,
        other => i18n::error_msg(other),
    }
}

/// What staff read when the camera does not start.
fn camera_message(e: scanner::CameraError) -> Msg {
    match e {
        scanner::CameraError::Denied => s::CAMERA_DENIED,
        scanner::CameraError::NoCamera => s::CAMERA_NONE,
        scanner::CameraError::Busy => s::CAMERA_BUSY,
        scanner::CameraError::Other => s::CAMERA_FAILED,
    }
}
