fn main() {
    use utoipa::OpenApi;
    println!(
        "{}",
        labday_server::routes::ApiDoc::openapi()
            .to_pretty_json()
            .unwrap()
    );
}
