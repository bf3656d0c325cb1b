//! `baseline LISTEN_ADDR DIAGNOSIS_JSON_FILE`: serves the file's bytes on `POST /v1/diagnoses`
//! (reading and discarding the request body), with actix-web's default worker count, like the
//! service. The ceiling a cache hit of connector-doctor can approach on this machine.

use actix_web::{App, HttpResponse, HttpServer, post, web};

#[post("/v1/diagnoses")]
async fn diagnose(stored: web::Data<Vec<u8>>, _body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(stored.get_ref().clone())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let file = args
        .next()
        .expect("usage: baseline LISTEN_ADDR DIAGNOSIS_JSON_FILE");
    let stored = web::Data::new(std::fs::read(&file)?);
    HttpServer::new(move || App::new().app_data(stored.clone()).service(diagnose))
        .bind(&listen)?
        .run()
        .await
}
