//! `POST /v1/diagnoses`: diagnose one AWS connector.

use actix_web::http::header::ContentType;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};

use super::json_body::read_json;
use super::path_param::{CONNECTOR_ID, DIAGNOSIS_ID};
use super::problem::Problem;
use super::refusals::Refused;
use super::state::AppState;
use super::tenant::Tenant;
use crate::domain::{Diagnosis, DiagnosisRequest, DiagnosisRequestBody, HistoryItem};
use crate::metrics::Rejection;
use crate::service::{Answer, DiagnosisFailed};

/// Run a diagnosis of one AWS connector.
///
/// A broken connector is a successful diagnosis: the answer is 200 whatever AWS says,
/// with a finding per problem explaining its cause and fix.
#[utoipa::path(
    tag = "diagnoses",
    operation_id = "create_diagnosis",
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
        (status = 503, description = "Overloaded; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/diagnoses")]
pub async fn create_diagnosis(
    http: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    tenant: Tenant,
) -> Result<HttpResponse, Problem> {
    let body: DiagnosisRequestBody = read_json(&http, payload, state.body_timeout).await?;
    let request = DiagnosisRequest::try_from(body).map_err(Problem::validation)?;
    let answer = state
        .service
        .diagnose(&tenant, &request)
        .await
        .map_err(|error| match error {
            DiagnosisFailed::Overloaded { retry_after } => {
                // Shedding is a refusal: counted, and logged once per tenant and interval.
                http.extensions_mut().insert(Refused);
                state.refusals.count(&tenant, Rejection::Overloaded);
                Problem::unavailable(
                    "Too many diagnoses are ahead to answer this one in time; retry after the \
                     given delay.",
                    retry_after.as_secs().max(1),
                )
            }
            DiagnosisFailed::Panicked(_) => {
                tracing::error!(%error, "diagnosis failed");
                Problem::internal()
            }
        })?;
    Ok(match answer {
        Answer::Fresh(diagnosis) => HttpResponse::Ok().json(diagnosis),
        Answer::Cached(json) => HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(json),
    })
}

/// A stored diagnosis by id, without credentials: 404 when unknown, expired, or another tenant's.
#[utoipa::path(
    tag = "diagnoses",
    operation_id = "get_diagnosis",
    params(("id" = String, Path, description = "A diagnosis id", pattern = "^dgn_[0-9a-f]{32}$", example = "dgn_0193b2a4c5d67e8f9a0b1c2d3e4f5a6b")),
    responses(
        (status = 200, description = "The stored diagnosis, as it was answered (`cached` as it was then)", body = Diagnosis),
        (status = 404, description = "Unknown, expired or another tenant's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a diagnosis id (the problem names `id`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/diagnoses/{id}")]
pub async fn get_diagnosis(
    id: web::Path<String>,
    state: web::Data<AppState>,
    tenant: Tenant,
) -> Result<web::Json<Diagnosis>, Problem> {
    let id = DIAGNOSIS_ID.check(id.into_inner())?;
    state
        .service
        .report(&tenant, &id)
        .await
        .map(web::Json)
        .ok_or_else(|| Problem::not_found(format!("No diagnosis {id} is kept for this caller.")))
}

/// A connector's last diagnoses, newest first.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryResponse {
    /// The connector.
    pub connector_id: String,
    /// Its diagnoses, newest first (cache hits are not repeated).
    pub items: Vec<HistoryItem>,
}

/// The last diagnoses of one connector, newest first.
#[utoipa::path(
    tag = "diagnoses",
    operation_id = "get_connector_history",
    params(("connector_id" = String, Path, description = "The caller's connector id", pattern = "^[A-Za-z0-9._-]{1,128}$", example = "contoso-prod")),
    responses(
        (status = 200, description = "The connector's last diagnoses, newest first (empty when none is kept)", body = HistoryResponse),
        (status = 422, description = "Not a connector id (the problem names `connector_id`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/connectors/{connector_id}/history")]
pub async fn get_history(
    connector_id: web::Path<String>,
    state: web::Data<AppState>,
    tenant: Tenant,
) -> Result<web::Json<HistoryResponse>, Problem> {
    let connector_id = CONNECTOR_ID.check(connector_id.into_inner())?;
    let items = state.service.history(&tenant, &connector_id).await;
    Ok(web::Json(HistoryResponse {
        connector_id,
        items,
    }))
}
