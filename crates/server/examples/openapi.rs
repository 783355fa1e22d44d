//! Prints the OpenAPI document served at `/openapi.json`.

fn main() {
    match serde_json::to_string_pretty(&embargo_server::openapi::document()) {
        Ok(text) => println!("{text}"),
        Err(e) => {
            eprintln!("cannot render the OpenAPI document: {e}");
            std::process::exit(2);
        }
    }
}
