//! The "my bookings" bundle (`mine.html` → dist/bundles/mine/): what this device booked and
//! registered, and finding a booking or sample made elsewhere.
fn main() {
    labday::mount(labday::app::mine);
}
