//! The staff console's QR decoder, in a Web Worker of its own (`staff.html` builds it; the
//! camera loop in `labday::staff::scanner` starts it only where the browser cannot read QR
//! codes itself).

fn main() {
    labday::report_panics();
    labday::staff::scanner::frame::serve();
}
