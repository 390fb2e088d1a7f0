//! The vegetable-samples bundle (`samples.html` → dist/samples/): register, look up.
fn main() {
    labday::mount(labday::app::samples);
}
