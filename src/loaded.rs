//! An answer from the API that a page shows: `None` while the first request is under way,
//! then the latest result. It re-asks when a signal read by its request changes (the id in
//! the address, a phone just typed) or on `refetch`, and keeps showing the previous answer
//! until the new one arrives, as `LocalResource` does.
//!
//! Why not `LocalResource`: its async-derived machinery is compiled afresh for every answer
//! type, about 5 KB of WebAssembly each. Here only a signal of the answer is per type; the
//! effect and the task behind it are shared.

use leptos::prelude::*;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// The latest answer of a request, or `None` before the first one.
pub struct Loaded<T: Send + Sync + 'static> {
    value: RwSignal<Option<T>>,
    again: RwSignal<u32>,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: Clone + Send + Sync + 'static> Loaded<T> {
    /// Tracks, like any signal read.
    pub fn get(&self) -> Option<T> {
        self.value.get()
    }

    /// Asks again (the previous answer stays on screen meanwhile).
    pub fn refetch(&self) {
        self.again.update(|n| *n = n.wrapping_add(1));
    }
}

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Starts `request` now and again whenever a signal it reads synchronously changes.
/// An answer overtaken by a newer request is dropped.
pub fn load<T, Fut>(request: impl Fn() -> Fut + 'static) -> Loaded<T>
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
    Loaded { value, again }
}

/// The one effect and task type every `load` shares.
fn run(start: Rc<dyn Fn() -> Task>) {
    Effect::new(move |_| leptos::task::spawn_local(start()));
}
