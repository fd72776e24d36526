//! The summer service mounted in an axum app: `GET /hello` is an ordinary axum route,
//! every rpc path goes to brief, and a tower layer wraps both. Serves on
//! `127.0.0.1:8080` (`cargo run -p summer-example --example axum`).

use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::get;
use tower::util::MapResponseLayer;

/// The app around a brief router (`summer::router(Adder)`, or several merged).
pub fn app(brief: brief_runtime::Router) -> axum::Router {
    axum::Router::new()
        .route("/hello", get(|| async { "hello from axum\n" }))
        // The fallback sees the request's path as it came (axum's `nest_service`
        // would strip its prefix), so brief routes `/summer/sum` itself and answers
        // an unknown rpc `unimplemented`, an unknown path 404.
        .fallback_service(brief.into_service())
        // Any tower layer wraps both: this one stamps every response.
        .layer(MapResponseLayer::new(|mut resp: Response| {
            let stamp = HeaderValue::from_static("summer-app");
            resp.headers_mut().insert("x-served-by", stamp);
            resp
        }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let brief = summer_example::rpc::summer::router(summer_example::Adder);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    axum::serve(listener, app(brief)).await
}
