//! The troubleshooting catalogue: list, one entry, and matching a raw error text.

use actix_web::{HttpRequest, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json_body::read_json;
use super::path_param::CATALOGUE_CODE;
use super::problem::Problem;
use super::state::AppState;
use crate::catalogue::{Catalogue, CatalogueEntry, match_message};
use crate::domain::Code;
use crate::domain::FieldError;

/// Longest raw error text accepted by the matcher.
const MAX_MESSAGE_LEN: usize = 8 * 1024;

/// Every catalogue entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueResponse {
    /// The entries, in catalogue order.
    pub entries: Vec<CatalogueEntry>,
}

/// A raw error text to explain.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// An AWS error code, an AWS message, a pasted SDK error or a legacy portal message.
    #[schema(example = "NullPointerException", min_length = 1, max_length = 8192)]
    pub message: String,
}

/// One entry that may explain the text.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueMatch {
    /// The catalogue code.
    pub code: Code,
    /// Fit between 0 and 1; higher is better.
    #[schema(example = 0.95)]
    pub score: f64,
    /// The entry itself.
    pub entry: CatalogueEntry,
}

/// The entries that explain a text, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchResponse {
    /// Matches, best first; empty when nothing fits.
    pub matches: Vec<CatalogueMatch>,
}

/// List the troubleshooting catalogue.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_catalogue",
    responses((status = 200, description = "Every entry, in catalogue order", body = CatalogueResponse))
)]
#[get("/catalogue")]
pub async fn list_catalogue() -> web::Json<CatalogueResponse> {
    web::Json(CatalogueResponse {
        entries: Catalogue::builtin().entries().to_vec(),
    })
}

/// One catalogue entry by its code.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "get_catalogue_entry",
    params(("code" = Code, Path, description = "A catalogue code (case-insensitive)", example = "SECURITY_HUB_NOT_ENABLED")),
    responses(
        (status = 200, description = "The entry", body = CatalogueEntry),
        (status = 404, description = "No such code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not of a code's shape (the problem names `code`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogue/{code}")]
pub async fn get_catalogue_entry(
    code: web::Path<String>,
) -> Result<web::Json<CatalogueEntry>, Problem> {
    let code = CATALOGUE_CODE.check(code.into_inner())?;
    Catalogue::builtin()
        .find(&code)
        .map(|entry| web::Json(entry.clone()))
        .ok_or_else(|| {
            // The code is not quoted back: it is the caller's text, and may be anything.
            Problem::not_found("No catalogue entry has this code; GET /v1/catalogue lists them.")
        })
}

/// Find the catalogue entries that explain a raw error text.
///
/// An opaque legacy message such as `NullPointerException` returns `INTERNAL_ERROR` first, then the
/// likely causes.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "match_catalogue",
    request_body = MatchRequest,
    responses(
        (status = 200, description = "The entries that may explain the text, best first", body = MatchResponse),
    )
)]
#[post("/catalogue/match")]
pub async fn match_catalogue(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<web::Json<MatchResponse>, Problem> {
    let body: MatchRequest = read_json(&request, payload, state.body_timeout).await?;
    if body.message.trim().is_empty() || body.message.len() > MAX_MESSAGE_LEN {
        return Err(Problem::validation(vec![FieldError::new(
            "message",
            format!("must be 1 to {MAX_MESSAGE_LEN} characters of error text"),
        )]));
    }
    let catalogue = Catalogue::builtin();
    let matches = match_message(catalogue, &body.message)
        .into_iter()
        .map(|found| CatalogueMatch {
            code: found.code,
            score: found.score,
            entry: catalogue.get(found.code).clone(),
        })
        .collect();
    Ok(web::Json(MatchResponse { matches }))
}
