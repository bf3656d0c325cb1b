//! The connector-doctor binary: `diagnose` and `explain` for people at a terminal; otherwise
//! (no subcommand, or `serve`) settings, logging, then the service until SIGTERM.

use std::ffi::OsString;
use std::process::ExitCode;

use connector_doctor::cli;
use connector_doctor::config::Settings;
use connector_doctor::startup::Application;
use connector_doctor::telemetry;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if cli::names_a_tool(&args) {
        return cli::run(args);
    }
    if args.get(1).is_some_and(|arg| arg == "serve") {
        args.remove(1);
    }
    actix_web::rt::System::new().block_on(serve(args))
}

async fn serve(args: Vec<OsString>) -> ExitCode {
    let settings = match Settings::load(args) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("connector-doctor: {error}");
            return ExitCode::from(2);
        }
    };
    let _logs = telemetry::init(&settings.log);
    let application = match Application::build(settings) {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        address = %application.address(),
        metrics_address = application.metrics_address().map(tracing::field::display),
        "connector-doctor listening"
    );
    match application.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}
