fn main() {
    labday::mount();
}
