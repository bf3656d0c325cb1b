//! The connector-doctor binary: settings, logging, then the service until SIGTERM.

use connector_doctor::config::Settings;
use connector_doctor::startup::Application;
use connector_doctor::telemetry;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let settings = match Settings::load(std::env::args_os()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("connector-doctor: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let _logs = telemetry::init(&settings.log);
    let application = match Application::build(settings) {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(address = %application.address(), "connector-doctor listening");
    if let Some(address) = application.metrics_address() {
        tracing::info!(%address, "metrics listening on their own port");
    }
    match application.run_until_stopped().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            std::process::ExitCode::FAILURE
        }
    }
}
