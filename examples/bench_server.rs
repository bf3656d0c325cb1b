//! The service and a bare actix-web route in one process, for the cache-hit benchmark.
//!
//! `BENCH_BASELINE_LISTEN=127.0.0.1:PORT bench_server [the service's flags]` runs connector-doctor
//! with its flags and, on the baseline address, a bare actix-web server (default workers, no
//! middleware) with two routes: `PUT /stored` keeps a body, `POST /v1/diagnoses` reads the request
//! body and answers the kept bytes. `bench/run` stores a cache hit's exact answer there, so both
//! servers answer the same bytes from the same process, and the ratio of their throughputs is the
//! cost of the service's own work per hit. Not part of the service: the binary ships without it.

use std::sync::RwLock;

use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse, HttpServer};
use connector_doctor::config::Settings;
use connector_doctor::startup::Application;
use connector_doctor::telemetry;

/// The body every baseline answer carries.
type Stored = web::Data<RwLock<Bytes>>;

async fn store(stored: Stored, body: Bytes) -> HttpResponse {
    *stored.write().unwrap_or_else(|e| e.into_inner()) = body;
    HttpResponse::NoContent().finish()
}

async fn answer(stored: Stored, _request: Bytes) -> HttpResponse {
    let body = stored.read().unwrap_or_else(|e| e.into_inner()).clone();
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let baseline_listen =
        std::env::var("BENCH_BASELINE_LISTEN").unwrap_or_else(|_| "127.0.0.1:8090".to_owned());
    let settings = Settings::load(std::env::args_os()).map_err(std::io::Error::other)?;
    let _logs = telemetry::init(&settings.log);
    let application = Application::build(settings).map_err(std::io::Error::other)?;
    let stored: Stored = web::Data::new(RwLock::new(Bytes::new()));
    let baseline = HttpServer::new(move || {
        App::new()
            .app_data(stored.clone())
            .route("/stored", web::put().to(store))
            .route("/v1/diagnoses", web::post().to(answer))
    })
    .bind(&baseline_listen)?
    .run();
    let baseline_handle = baseline.handle();
    let service = async {
        let result = application.run_until_stopped().await;
        // The service stops on SIGTERM; the baseline goes with it.
        baseline_handle.stop(false).await;
        result
    };
    let (service, baseline) = tokio::join!(service, baseline);
    service.and(baseline)
}
