//! The booking bundle (`book.html` → dist/book/): book, show, list and cancel bookings.
fn main() {
    labday::mount(labday::app::book);
}
