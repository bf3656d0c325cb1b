//! Builds the application from the settings of each part: binds the listener (port 0 in
//! tests) and runs until stopped. The only place that sees the whole `Settings`: each part
//! gets its own settings type from here.

mod app;
mod shutdown;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};

use crate::api::{self, AppState, DrainFlag, Guard, Refusals, ServerSettings};
use crate::aws::{AwsClientFactory, AwsSettings};
use crate::cache::{CacheSettings, DiagnosisStore, KeySecret, StoreError};
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::probes::{Executor, ProbeEngine, ProbeSettings};
use crate::security::{
    ApiTokens, ConnectionCaps, ConnectionLimits, MetricsToken, RateLimiter, ReportLinks,
    SecuritySettings, TlsError, TokenError, TrustedProxies, server_config,
};
use crate::service::{DiagnosisService, ServiceSettings, StoreBudget};
pub use app::create_app;

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
    /// The metrics listener could not be bound.
    #[error(
        "cannot serve metrics on {address}: {source}; set --metrics-listen \
         (CONNECTOR_DOCTOR_METRICS_LISTEN) to an address that is free"
    )]
    MetricsBind {
        /// The address asked for (with caller tokens and no --metrics-listen, the default).
        address: SocketAddr,
        /// The operating system's answer.
        source: std::io::Error,
    },
    /// The Redis URL could not be used.
    #[error("cannot use the Redis URL: {0}")]
    Redis(StoreError),
    /// The caller tokens could not be read.
    #[error("cannot use the API tokens: {0}")]
    Tokens(TokenError),
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
    drain: Arc<DrainFlag>,
    metrics_server: Option<(Server, SocketAddr)>,
}

impl Application {
    /// Builds every part from its settings and binds the listeners.
    pub fn build(settings: Settings) -> Result<Self, StartupError> {
        let Settings {
            server,
            security,
            aws,
            probes,
            service,
            cache,
            metrics: metrics_settings,
            ..
        } = settings;
        let tokens = ApiTokens::load(&security).map_err(StartupError::Tokens)?;
        check_exposure(server.listen, &tokens, security.allow_unauthenticated)?;
        let bind = |address: SocketAddr| {
            TcpListener::bind(address).map_err(|source| StartupError::Bind { address, source })
        };
        let listener = bind(server.listen)?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            address: server.listen,
            source,
        })?;
        // With tokens, tenants' connectors and their health must not be readable on the API port.
        let metrics_address = server.metrics_address(tokens.is_enabled());
        let metrics_listener = match metrics_address {
            Some(address) => Some(
                TcpListener::bind(address)
                    .map_err(|source| StartupError::MetricsBind { address, source })?,
            ),
            None => None,
        };
        let metrics = Arc::new(Metrics::new(metrics_settings.metrics_connector_cap));
        let drain = Arc::new(DrainFlag::default());
        let refusals = Arc::new(Refusals::new(metrics.clone()));
        let tenants = tokens.tenant_count();
        let state = AppState {
            service: diagnosis_service(
                &aws, &probes, &service, &cache, &security, tenants, &metrics,
            )?,
            drain: drain.clone(),
            metrics: metrics.clone(),
            refusals: refusals.clone(),
            metrics_here: metrics_address.is_none(),
            metrics_token: MetricsToken::new(server.metrics_token.as_ref()),
            trusted_proxies: TrustedProxies::new(&security.trusted_proxies),
            body_timeout: server.body_timeout,
        };
        let guard = web::Data::new(Guard {
            tokens,
            limiter: RateLimiter::new(security.rate_limit_per_minute, security.rate_limit_burst),
            failed_authentications: RateLimiter::new(
                security.failed_auth_per_minute,
                security.failed_auth_per_minute,
            ),
            refusals,
            body_timeout: server.body_timeout,
        });
        let metrics_server = match metrics_listener {
            Some(listener) => Some(metrics_server(listener, state.clone())?),
            None => None,
        };
        // Checked when the settings were read: both files or neither.
        let tls = match server.tls().ok().flatten() {
            Some((certificate, key)) => {
                Some(server_config(&certificate, &key).map_err(StartupError::Tls)?)
            }
            None => None,
        };
        let http = serve(listener, tls, state, guard, &server)
            .map_err(|source| StartupError::Bind { address, source })?;
        Ok(Self {
            server: http,
            address,
            drain,
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
        let drain = self.drain.clone();
        let metrics_handle = self
            .metrics_server
            .as_ref()
            .map(|(server, _)| server.handle());
        tokio::spawn(async move {
            shutdown::shutdown_signal().await;
            tracing::info!("shutdown requested: draining in-flight requests");
            drain.start_draining();
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

/// The diagnosis service and everything it runs on: the store (memory or Redis), the per-account
/// AWS budget kept in it, the probe engine on its own runtime.
fn diagnosis_service(
    aws: &AwsSettings,
    probes: &ProbeSettings,
    service: &ServiceSettings,
    cache: &CacheSettings,
    security: &SecuritySettings,
    tenants: usize,
    metrics: &Arc<Metrics>,
) -> Result<DiagnosisService, StartupError> {
    let executor = Executor::new().map_err(StartupError::Runtime)?;
    let store =
        Arc::new(DiagnosisStore::open(cache, metrics.clone()).map_err(StartupError::Redis)?);
    let engine = ProbeEngine::new(
        AwsClientFactory::new(aws),
        probes,
        Arc::new(StoreBudget::new(store.clone())),
        executor,
        metrics.clone(),
    );
    Ok(DiagnosisService::new(
        engine,
        store,
        KeySecret::from_settings(cache),
        ReportLinks::new(
            security.report_link_secret.as_ref(),
            cache.redis_url.is_some(),
        ),
        service,
        tenants,
        metrics.clone(),
    ))
}

/// The API server on `listener`: the app, the connection caps, TLS when configured, and the
/// shutdown timeout (signals are handled in `run_until_stopped`, to mark the service as
/// draining first).
fn serve(
    listener: TcpListener,
    tls: Option<rustls::ServerConfig>,
    state: AppState,
    guard: web::Data<Guard>,
    server: &ServerSettings,
) -> std::io::Result<Server> {
    let connections = ConnectionLimits::new(ConnectionCaps {
        total: server.max_connections,
        per_address: server.max_connections_per_address,
    });
    let http = HttpServer::new(move || create_app(state.clone(), guard.clone())).on_connect(
        move |connection, data| {
            data.insert(connections.open(peer_address(connection)));
        },
    );
    let http = match tls {
        Some(config) => http.listen_rustls_0_23(listener, config),
        None => http.listen(listener),
    }?;
    Ok(http
        .disable_signals()
        .shutdown_timeout(server.shutdown_timeout.as_secs())
        .run())
}

/// Secure by default: customers' secret keys must not be accepted from the network by anyone.
fn check_exposure(
    listen: SocketAddr,
    tokens: &ApiTokens,
    allow_unauthenticated: bool,
) -> Result<(), StartupError> {
    if listen.ip().is_loopback() || tokens.is_enabled() {
        return Ok(());
    }
    if !allow_unauthenticated {
        return Err(StartupError::Unauthenticated(listen));
    }
    tracing::warn!(
        address = %listen,
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

/// The separate listener that serves only `/metrics`.
fn metrics_server(
    listener: TcpListener,
    state: AppState,
) -> Result<(Server, SocketAddr), StartupError> {
    let address = listener
        .local_addr()
        .map_err(|source| StartupError::MetricsBind {
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
    .map_err(|source| StartupError::MetricsBind { address, source })?
    .disable_signals()
    .run();
    Ok((server, address))
}
