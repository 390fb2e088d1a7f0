//! The "my bookings" bundle (dist/bundles/mine/; its page is made from `index.html`): what this device booked and
//! registered, and finding a booking or sample made elsewhere.
fn main() {
    labday::mount(labday::app::mine);
}
