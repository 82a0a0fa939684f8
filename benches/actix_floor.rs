//! The floor under engfeed's cache hits: actix-web with engfeed's server settings (one
//! worker, `tcp_nodelay`, the same timeouts), answering from memory with nothing of engfeed's (no middleware, no log,
//! no metrics). `scripts/bench-load` runs it beside engfeed and nginx on the same bytes, so
//! its report separates what actix-web itself costs from what engfeed adds.
//!
//! `actix_floor PORT DIR` serves each file `DIR/NAME` at `/NAME`: 200 with an ETag, 304
//! when `If-None-Match` repeats it, and `DIR/NAME.gz` as `Content-Encoding: gzip` to a
//! client that accepts gzip.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};

struct Document {
    identity: Bytes,
    gzip: Option<Bytes>,
    etag: HeaderValue,
}

fn load(dir: &Path) -> std::io::Result<HashMap<String, Document>> {
    let mut documents = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".gz") || !path.is_file() {
            continue;
        }
        let identity = Bytes::from(std::fs::read(&path)?);
        let gzip = std::fs::read(path.with_file_name(format!("{name}.gz")))
            .ok()
            .map(Bytes::from);
        let etag = HeaderValue::from_str(&format!("\"{}-{name}\"", identity.len()))
            .map_err(std::io::Error::other)?;
        documents.insert(
            name.to_owned(),
            Document {
                identity,
                gzip,
                etag,
            },
        );
    }
    Ok(documents)
}

async fn serve(req: HttpRequest, documents: web::Data<HashMap<String, Document>>) -> HttpResponse {
    let name = req.match_info().get("name").unwrap_or_default();
    let Some(document) = documents.get(name) else {
        return HttpResponse::NotFound().finish();
    };
    if req.headers().get(header::IF_NONE_MATCH) == Some(&document.etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, document.etag.clone()))
            .finish();
    }
    let accepts_gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, document.etag.clone()))
        .insert_header((header::CONTENT_TYPE, "application/atom+xml"))
        .insert_header((header::VARY, "Accept-Encoding"));
    match (&document.gzip, accepts_gzip) {
        (Some(gzip), true) => response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gzip.clone()),
        _ => response.body(document.identity.clone()),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: actix_floor PORT DIR");
        std::process::exit(2);
    };
    let port: u16 = port.parse().map_err(std::io::Error::other)?;
    let dir = std::path::PathBuf::from(dir);
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let documents = load(&dir).expect("the floor's documents are readable");
            App::new()
                .app_data(web::Data::new(documents))
                .route("/{name}", web::get().to(serve))
        })
        .workers(1)
        .tcp_nodelay(true)
        .shutdown_timeout(10)
        .client_request_timeout(Duration::from_secs(5))
        .keep_alive(Duration::from_secs(30))
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
