//! `connector-doctor diagnose`: one diagnosis on this machine, through the service (uncached)
//! as the API's go through it, on the credentials of the AWS SDK's chain.

use std::io::Write;
use std::sync::Arc;

use super::args::{DiagnoseArgs, Output};
use super::credentials;
use super::exit::Exit;
use super::progress::Steps;
use super::text_report;
use crate::aws::EndpointVariables;
use crate::domain::{
    AssumeRoleBody, CheckId, CheckStatus, Connection, Diagnosis, DiagnosisRequest,
    DiagnosisRequestBody,
};
use crate::service::UncachedService;

/// Runs the diagnosis `args` describe and prints it; the exit status.
pub fn run(args: DiagnoseArgs) -> Exit {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("connector-doctor: cannot start a runtime: {error}");
            return Exit::Internal;
        }
    };
    runtime.block_on(diagnose(args))
}

async fn diagnose(mut args: DiagnoseArgs) -> Exit {
    let connections = match connections(&args.connections) {
        Ok(connections) => connections,
        Err(unknown) => {
            eprintln!(
                "connector-doctor: --connections: unknown connection {unknown:?} (security_auditing, security_configuration)"
            );
            return Exit::Usage;
        }
    };
    // The SDKs' endpoint variables, as any AWS tool on this machine reads them; the flag wins.
    if args.engine.aws.aws_endpoint_url.is_none() {
        let environment = std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        });
        match EndpointVariables::from_environment(environment) {
            Ok(variables) => args.engine.aws.endpoint_variables = variables,
            Err(problem) => {
                eprintln!("connector-doctor: {problem}");
                return Exit::Usage;
            }
        }
    }
    let steps = Arc::new(Steps::on_stderr());
    let chain = match &args.profile {
        Some(profile) => {
            format!("Reading credentials of profile {profile} from the AWS SDK's chain")
        }
        None => "Reading credentials from the AWS SDK's chain".to_owned(),
    };
    steps.step(&chain);
    let (credentials, expires_at) = match credentials::from_chain(args.profile.as_deref()).await {
        Ok(found) => found,
        Err(error) => {
            steps.finish();
            eprintln!("connector-doctor: {error}");
            return Exit::NoDiagnosis;
        }
    };
    let body = DiagnosisRequestBody {
        connector_id: None,
        connections,
        credentials,
        assume_role: args.role_arn.clone().map(|role_arn| AssumeRoleBody {
            role_arn,
            external_id: args.external_id.clone(),
        }),
        regions: (!args.regions.is_empty()).then(|| args.regions.clone()),
        refresh: false,
        expected_account_id: None,
    };
    let mut request = match DiagnosisRequest::try_from(body) {
        Ok(request) => request,
        Err(problems) => {
            steps.finish();
            for problem in problems {
                eprintln!(
                    "connector-doctor: {}: {}",
                    flag_of(&problem.field),
                    problem.message
                );
            }
            return Exit::Usage;
        }
    };
    // The chain knows when a session it handed over ends: the diagnosis can say so.
    request.credentials.expires_at = expires_at;
    let watcher = steps.clone();
    let service = match UncachedService::new(&args.engine, move |what| watcher.step(what)) {
        Ok(service) => service,
        Err(error) => {
            steps.finish();
            eprintln!("connector-doctor: {error}");
            return Exit::Internal;
        }
    };
    let diagnosis = service.diagnose(&request).await;
    steps.finish();
    let diagnosis = match diagnosis {
        Ok(diagnosis) => diagnosis,
        Err(error) => {
            eprintln!("connector-doctor: {error}");
            return Exit::Internal;
        }
    };
    if let Err(error) = print(&diagnosis, args.output) {
        eprintln!("connector-doctor: cannot print the diagnosis: {error}");
        return Exit::Internal;
    }
    if identity_unreachable(&diagnosis) {
        Exit::NoDiagnosis
    } else {
        Exit::of(diagnosis.status)
    }
}

/// The connections named, both when none is.
fn connections(names: &[String]) -> Result<Option<Vec<Connection>>, String> {
    if names.is_empty() {
        return Ok(None);
    }
    names
        .iter()
        .map(|name| Connection::parse(name.trim()).ok_or_else(|| name.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The flag a request field came from.
fn flag_of(field: &str) -> String {
    let name = field.split(['.', '[']).next().unwrap_or(field);
    match name {
        "regions" => "--regions".to_owned(),
        "connections" => "--connections".to_owned(),
        "assume_role" => "--role-arn/--external-id".to_owned(),
        "credentials" => "the credentials of the chain".to_owned(),
        other => other.to_owned(),
    }
}

/// Whether STS could not be reached at all: no diagnosis was possible (a key STS refused is a
/// diagnosis: unhealthy).
fn identity_unreachable(diagnosis: &Diagnosis) -> bool {
    diagnosis.identity.is_none()
        && diagnosis
            .checks
            .iter()
            .any(|check| check.id == CheckId::Identity && check.status == CheckStatus::Error)
}

fn print(diagnosis: &Diagnosis, output: Output) -> std::io::Result<()> {
    match output {
        Output::Json => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, diagnosis)?;
            writeln!(out)
        }
        Output::Text => text_report::write(&mut anstream::stdout(), diagnosis),
    }
}
