//! The booking bundle (`book.html` → dist/book/): book a session, show, move and cancel a booking.
fn main() {
    labday::mount(labday::app::book);
}
