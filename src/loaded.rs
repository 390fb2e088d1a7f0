//! An answer from the API that a page shows, and [`Loaded`], the one way a page shows it:
//! the loading state, the error in the reader's language with a retry, or the content.
//!
//! [`load`] gives `None` while the first request is under way, then the latest result. It re-asks when a signal read by its request changes (the id in
//! the address, a phone just typed) or on `refetch`, and keeps showing the previous answer
//! until the new one arrives, as `LocalResource` does.
//!
//! Why not `LocalResource`: its async-derived machinery is compiled afresh for every answer
//! type, about 5 KB of WebAssembly each. Here only a signal of the answer is per type; the
//! effect and the task behind it are shared.

use crate::components::status::{ErrorPanel, ErrorPanelProps, Loading};
use crate::i18n::{self, error_msg, t, Msg};
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

/// The latest answer of a request, or `None` before the first one.
pub struct Answer<T: Send + Sync + 'static> {
    value: RwSignal<Option<T>>,
    again: RwSignal<u32>,
}

impl<T: Send + Sync + 'static> Clone for Answer<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Answer<T> {}

impl<T: Clone + Send + Sync + 'static> Answer<T> {
    /// Tracks, like any signal read.
    pub fn get(&self) -> Option<T> {
        self.value.get()
    }

    /// Asks again (the previous answer stays on screen meanwhile).
    pub fn refetch(&self) {
        again(self.again);
    }

    /// The answer seen through `f`, changing only when what `f` makes changes (a refresh that
    /// brings nothing new redraws nothing). Its `refetch` asks this request again.
    pub fn map<U>(self, f: impl Fn(&T) -> U + 'static) -> Answer<U>
    where
        U: PartialEq + Send + Sync + 'static,
    {
        let value = RwSignal::new(None::<U>);
        let source = self.value;
        Effect::new(move |_| {
            let next = source.with(|v| v.as_ref().map(&f));
            if value.with_untracked(|now| *now != next) {
                value.set(next);
            }
        });
        Answer {
            value,
            again: self.again,
        }
    }
}

fn again(signal: RwSignal<u32>) {
    signal.update(|n| *n = n.wrapping_add(1));
}

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Starts `request` now and again whenever a signal it reads synchronously changes.
/// An answer overtaken by a newer request is dropped.
pub fn load<T, Fut>(request: impl Fn() -> Fut + 'static) -> Answer<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = T> + 'static,
{
    let value = RwSignal::new(None::<T>);
    let again = RwSignal::new(0u32);
    let latest = Rc::new(Cell::new(0u32));
    let start: Rc<dyn Fn() -> Task> = Rc::new(move || {
        again.track();
        let turn = latest.get().wrapping_add(1);
        latest.set(turn);
        let answer = request();
        let latest = Rc::clone(&latest);
        Box::pin(async move {
            let answer = answer.await;
            if latest.get() == turn {
                // The page may have gone meanwhile: then there is nothing to update.
                let _ = value.try_set(Some(answer));
            }
        })
    });
    run(start);
    Answer { value, again }
}

/// The answer of `request` for the page's `id` (`route::use_id_param`): asked again when the
/// id changes; an id that is not one answers "not found" without asking.
pub fn load_id<T, Fut>(
    id: Memo<Option<i64>>,
    request: impl Fn(i64) -> Fut + Copy + 'static,
) -> Answer<Result<T, ApiError>>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    load(move || {
        let id = id.get();
        async move { request(page_id(id)?).await }
    })
}

/// A page's `:id` (`route::id`), or "not found" when the address holds none.
pub fn page_id(id: Option<i64>) -> Result<i64, ApiError> {
    id.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such page"))
}

/// The one effect and task type every `load` shares.
fn run(start: Rc<dyn Fn() -> Task>) {
    Effect::new(move |_| leptos::task::spawn_local(start()));
}

/// Shows an answer from the API: the loading state until it comes, then the error in the
/// reader's language (with a retry that asks again) or `children` with the value. The pages
/// and console screens all show their answers through it, so they look and read the same.
///
/// `inline` is for a part of a page (a card, the results board): loading and error are one
/// small line and offer no retry. `messages` words an error (default: `i18n::error_msg`).
#[component]
pub fn Loaded<T, F, V>(
    from: Answer<Result<T, ApiError>>,
    children: F,
    #[prop(optional)] inline: bool,
    #[prop(optional)] no_retry: bool,
    #[prop(optional)] messages: Option<fn(ErrorCode) -> Msg>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let retry = (!inline && !no_retry).then_some(from.again);
    let messages = messages.unwrap_or(error_msg);
    shown(Arc::new(move || match from.get() {
        None => waiting(inline),
        Some(Err(e)) => failed(e, inline, retry, messages),
        Some(Ok(value)) => children(value).into_any(),
    }))
}

/// One reactive view type for every `Loaded`, so its render effect is compiled once.
fn shown(f: Arc<dyn Fn() -> AnyView + Send + Sync>) -> impl IntoView {
    move || f()
}

fn waiting(inline: bool) -> AnyView {
    if inline {
        view! { <p class="small">{t(i18n::LOADING)}</p> }.into_any()
    } else {
        view! { <Loading/> }.into_any()
    }
}

fn failed(
    error: ApiError,
    inline: bool,
    retry: Option<RwSignal<u32>>,
    messages: fn(ErrorCode) -> Msg,
) -> AnyView {
    if inline {
        let msg = messages(error.code);
        return view! { <p class="small">{t(msg)}</p> }.into_any();
    }
    // Asking again for what is not there brings the same answer.
    let retry = retry
        .filter(|_| error.code != ErrorCode::NotFound)
        .map(|signal| Callback::new(move |_| again(signal)));
    ErrorPanel(ErrorPanelProps {
        error,
        retry,
        messages,
    })
    .into_any()
}
