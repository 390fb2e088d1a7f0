//! The browsing bundle (`index.html`): the activity list and an activity's sessions.
fn main() {
    labday::mount(labday::app::browse);
}
