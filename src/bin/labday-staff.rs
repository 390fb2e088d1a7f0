fn main() {
    labday::staff::mount();
}
