//! Browser journeys: real Chromium (through chromedriver) at a phone viewport, against the
//! real server on a free port with a temporary SQLite database and the built app (`dist/`).
//! Outside CI they are skipped, saying so, when Chromium or the built app is missing; in CI
//! (`CI` set) a missing piece fails the run.
#![cfg(not(target_arch = "wasm32"))]

/// The value of `opened` (a journey's browser, say), or the end of the test when it is
/// `None`: the browser or the built app is missing and the journey is skipped (outside CI;
/// in CI the opener has failed the test already).
macro_rules! or_skip {
    ($opened:expr) => {
        match $opened {
            Some(opened) => opened,
            None => return,
        }
    };
}

mod accessibility;
mod booking;
mod camera;
mod csp;
mod embed;
mod first_event;
mod home;
mod installable;
mod keyboard;
mod messages;
mod navigation;
mod offline;
mod offline_desk;
mod samples;
mod staff;
mod starting;
mod support;
mod verify_phones;
