//! The baseline of `examples/summer/bench`: a bare hyper 1 server with nothing but
//! what any hyper server has (hyper-util's auto builder for HTTP/1.1 and h2c on one
//! port, TCP_NODELAY, the multi-thread tokio runtime of `#[tokio::main]`, as the
//! generated `summer-server` uses). It reads the request body and answers every
//! request with a fixed `{"sum":3}`: no routing, checks, context, deadline, metrics or
//! JSON work, so the generated server's requests/s over this one is the share of its
//! throughput that brief's runtime keeps.
//!
//! Serves on `$LISTEN` (default 127.0.0.1:8080) until killed.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    req.into_body().collect().await?;
    let mut resp = Response::new(Full::new(Bytes::from_static(br#"{"sum":3}"#)));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(resp)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("INFO bare-hyper: serving addr={}", listener.local_addr()?);
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(handle);
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
