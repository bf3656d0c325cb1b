//! `POST /v1/diagnoses`: diagnose one AWS connector.

use actix_web::{HttpRequest, post, web};

use super::json_body::read_json;
use super::problem::Problem;
use super::state::AppState;
use crate::domain::{Diagnosis, DiagnosisRequest, DiagnosisRequestBody};

/// Run a diagnosis of one AWS connector.
///
/// A broken connector is a successful diagnosis: the answer is 200 whatever AWS says,
/// with a finding per problem explaining its cause and fix.
#[utoipa::path(
    tag = "diagnoses",
    request_body(content = DiagnosisRequestBody, example = json!({
        "connector_id": "contoso-prod",
        "connections": ["security_auditing", "security_configuration"],
        "credentials": {
            "access_key_id": "AKIAIOSFODNN7EXAMPLE",
            "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        },
        "regions": ["us-east-1", "eu-west-1"]
    })),
    responses(
        (status = 200, description = "The diagnosis (also when the connector is broken)", body = Diagnosis),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Well-formed but invalid, with field errors", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/diagnoses")]
pub async fn create_diagnosis(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<web::Json<Diagnosis>, Problem> {
    let body: DiagnosisRequestBody = read_json(&request, payload).await?;
    let request = DiagnosisRequest::try_from(body).map_err(Problem::validation)?;
    let diagnosis = state.diagnoser.run(&request).await.map_err(|error| {
        tracing::error!(%error, "diagnosis failed");
        Problem::internal()
    })?;
    Ok(web::Json(diagnosis))
}
