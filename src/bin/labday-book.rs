//! The booking bundle (dist/bundles/book/; its page is made from `index.html`): book a session, show, move and cancel a booking.
fn main() {
    labday::mount(labday::app::book);
}
