//! The application every worker runs: routes, middleware in order, the explorer.

use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, web};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api::{self, AppState, Guard};

/// Headers on every response: no sniffing, no framing, no referrer, scripts and styles only
/// from this origin (the explorer is served offline), and nothing kept by caches.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        ))
        .add(("Cache-Control", "no-store"))
}

/// The application with every route, middleware and the explorer.
pub fn create_app(
    state: AppState,
    guard: web::Data<Guard>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, document) = api::with_routes(App::new());
    app.app_data(web::Data::new(state))
        .app_data(guard)
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url("/openapi.json", document)
                // No online validator: the explorer must not send anything off the service's origin.
                .config(
                    Config::default()
                        .validator_url("none")
                        .try_it_out_enabled(true),
                ),
        )
        .default_service(web::to(api::not_found))
        .wrap(from_fn(api::front_door))
        .wrap(from_fn(api::track))
        .wrap(security_headers())
        .wrap(from_fn(api::request_id))
}
