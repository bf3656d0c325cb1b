//! Builds the application from settings: binds the listener (port 0 in tests) and runs until stopped.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api::{self, ApiDoc, AppState, Guard, Readiness};
use crate::aws::AwsClientFactory;
use crate::cache::{
    Backend, CachedDiagnoser, DiagnosisStore, KeySecret, MemoryBackend, RedisBackend, Retention,
    StoreError, TtlPolicy,
};
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::probes::{Diagnoser, Executor};
use crate::security::{ConnectionCaps, ConnectionLimits, RateLimiter, TlsError, server_config};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The listener could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's answer.
        source: std::io::Error,
    },
    /// The Redis URL could not be used.
    #[error("cannot use the Redis URL: {0}")]
    Redis(StoreError),
    /// A non-loopback address without caller tokens.
    #[error(
        "refusing to serve {0} without caller tokens: set --api-tokens or --api-tokens-file, \
         or --allow-unauthenticated to accept it"
    )]
    Unauthenticated(SocketAddr),
    /// TLS could not be set up.
    #[error("cannot set up TLS: {0}")]
    Tls(TlsError),
    /// The diagnosis runtime could not start.
    #[error("cannot start the diagnosis runtime: {0}")]
    Runtime(std::io::Error),
}

/// A bound, not yet running service.
pub struct Application {
    server: Server,
    address: SocketAddr,
    readiness: Arc<Readiness>,
    metrics_server: Option<(Server, SocketAddr)>,
}

impl Application {
    /// Builds the shared state and binds the listener.
    pub fn build(settings: Settings) -> Result<Self, StartupError> {
        check_exposure(&settings)?;
        let bind = |address: SocketAddr| {
            TcpListener::bind(address).map_err(|source| StartupError::Bind { address, source })
        };
        let listener = bind(settings.listen)?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            address: settings.listen,
            source,
        })?;
        let metrics = Arc::new(Metrics::new(settings.metrics_connector_cap));
        let factory = AwsClientFactory::new(&settings);
        let executor = Executor::new().map_err(StartupError::Runtime)?;
        let diagnoser = Diagnoser::new(
            factory,
            &settings,
            TtlPolicy::from_settings(&settings),
            executor,
            metrics.clone(),
        );
        let readiness = Arc::new(Readiness::default());
        let state = AppState {
            diagnoses: CachedDiagnoser::new(
                diagnoser,
                Arc::new(build_store(&settings, metrics.clone())?),
                key_secret(&settings),
                settings.refresh_floor,
                settings.diagnosis_deadline,
                settings.max_cold_diagnoses,
                metrics.clone(),
            ),
            readiness: readiness.clone(),
            metrics: metrics.clone(),
            metrics_here: settings.metrics_listen.is_none(),
            body_timeout: settings.body_timeout,
        };
        let guard = web::Data::new(Guard {
            tokens: settings.api_tokens.clone(),
            limiter: RateLimiter::new(settings.rate_limit_per_minute, settings.rate_limit_burst),
            metrics,
        });
        let metrics_server = match settings.metrics_listen {
            Some(address) => Some(metrics_server(bind(address)?, state.clone())?),
            None => None,
        };
        let connections = ConnectionLimits::new(ConnectionCaps {
            total: settings.max_connections,
            per_address: settings.max_connections_per_address,
        });
        let server = HttpServer::new(move || create_app(state.clone(), guard.clone())).on_connect(
            move |connection, data| {
                data.insert(connections.open(peer_address(connection)));
            },
        );
        let server = match &settings.tls {
            Some((certificate, key)) => {
                let config = server_config(certificate, key).map_err(StartupError::Tls)?;
                server.listen_rustls_0_23(listener, config)
            }
            None => server.listen(listener),
        };
        let server = server
            .map_err(|source| StartupError::Bind { address, source })?
            // Signals are handled in `run_until_stopped`, to mark the service as draining first.
            .disable_signals()
            .shutdown_timeout(settings.shutdown_timeout.as_secs())
            .run();
        Ok(Self {
            server,
            address,
            readiness,
            metrics_server,
        })
    }

    /// The metrics listener's address, when it has its own.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_server.as_ref().map(|(_, address)| *address)
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A handle to stop the server from elsewhere (tests).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let readiness = self.readiness.clone();
        let metrics_handle = self
            .metrics_server
            .as_ref()
            .map(|(server, _)| server.handle());
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutdown requested: draining in-flight requests");
            readiness.start_draining();
            handle.stop(true).await;
            if let Some(metrics) = metrics_handle {
                metrics.stop(true).await;
            }
        });
        if let Some((metrics, _)) = self.metrics_server {
            tokio::spawn(metrics);
        }
        tokio::spawn(crate::telemetry::report_protocol_errors(
            PROTOCOL_ERROR_REPORT_INTERVAL,
        ));
        self.server.await
    }
}

/// Secure by default: customers' secret keys must not be accepted from the network by anyone.
fn check_exposure(settings: &Settings) -> Result<(), StartupError> {
    if settings.listen.ip().is_loopback() || settings.api_tokens.is_enabled() {
        return Ok(());
    }
    if !settings.allow_unauthenticated {
        return Err(StartupError::Unauthenticated(settings.listen));
    }
    tracing::warn!(
        address = %settings.listen,
        "serving a non-loopback address WITHOUT authentication (--allow-unauthenticated)"
    );
    Ok(())
}

/// The client's address of a new connection, plain or TLS.
fn peer_address(connection: &dyn std::any::Any) -> Option<std::net::IpAddr> {
    use actix_tls::accept::rustls_0_23::TlsStream;
    use actix_web::rt::net::TcpStream;
    let tcp = connection.downcast_ref::<TcpStream>().or_else(|| {
        connection
            .downcast_ref::<TlsStream<TcpStream>>()
            .map(|tls| tls.get_ref().0)
    })?;
    tcp.peer_addr().ok().map(|address| address.ip())
}

/// Least time between two log lines counting malformed requests.
const PROTOCOL_ERROR_REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Longest wait for one Redis operation before serving uncached.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// The separate listener that serves only `/metrics`.
fn metrics_server(
    listener: TcpListener,
    state: AppState,
) -> Result<(Server, SocketAddr), StartupError> {
    let address = listener.local_addr().map_err(|source| StartupError::Bind {
        address: SocketAddr::from(([0, 0, 0, 0], 0)),
        source,
    })?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .route("/metrics", web::get().to(api::metrics_listener))
    })
    .workers(1)
    .listen(listener)
    .map_err(|source| StartupError::Bind { address, source })?
    .disable_signals()
    .run();
    Ok((server, address))
}

fn build_store(settings: &Settings, metrics: Arc<Metrics>) -> Result<DiagnosisStore, StartupError> {
    let backend = match &settings.redis_url {
        Some(url) => Backend::Redis(Box::new(
            RedisBackend::new(url, REDIS_TIMEOUT).map_err(StartupError::Redis)?,
        )),
        None => Backend::Memory(MemoryBackend::new(settings.memory_cache_entries)),
    };
    let retention = Retention {
        reports: settings.report_retention,
        history_items: settings.history_size,
    };
    Ok(DiagnosisStore::new(
        backend,
        settings.redis_key_prefix.clone(),
        retention,
        metrics,
    ))
}

fn key_secret(settings: &Settings) -> KeySecret {
    match &settings.cache_key_secret {
        Some(secret) => KeySecret::new(secret.clone()),
        None => {
            if settings.redis_url.is_some() {
                tracing::warn!(
                    "no --cache-key-secret: using a random one, so replicas will not share cache entries"
                );
            }
            KeySecret::random()
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

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
    let (app, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::configure)
        .split_for_parts();
    app.app_data(web::Data::new(state))
        .app_data(guard)
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url("/openapi.json", api::complete_openapi(document))
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
