//! The vegetable-samples bundle (dist/bundles/samples/; its page is made from `index.html`): register, look up.
fn main() {
    labday::mount(labday::app::samples);
}
