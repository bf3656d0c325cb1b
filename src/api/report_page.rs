//! `GET /reports/{id}?exp=..&sig=..`: one diagnosis as a page for people, rendered from compiled
//! templates (`templates/`). Not behind the bearer guard: the signed link is the capability, and
//! the service checks the signature before it looks the id up. A missing, bad or expired
//! signature and an unknown id all answer the same 404 page, revealing nothing.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;
use utoipa::IntoParams;

use super::coverage_view::CoverageFilter;
use super::report_view::ReportView;
use super::state::AppState;

/// The page of one diagnosis.
#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    view: &'a ReportView,
    /// The link's signature, kept by the grid's filter form.
    link: SignedLink<'a>,
}

/// The signature of the link the page was opened with.
struct SignedLink<'a> {
    exp: &'a str,
    sig: &'a str,
}

/// The one page every link that opens nothing gets.
#[derive(Template)]
#[template(path = "report_missing.html")]
struct MissingPage;

/// The signature of a report link.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkParams {
    /// Until when the link opens, in seconds since 1970 (UTC).
    exp: Option<String>,
    /// The link's signature (hex).
    sig: Option<String>,
    /// The organization grid: only the accounts with a gap (`1`).
    gaps: Option<String>,
    /// The organization grid: only accounts with a cell of this status (`none`, `not_member`,
    /// `resigned`, ...).
    status: Option<String>,
    /// The organization grid: only this region.
    region: Option<String>,
}

impl LinkParams {
    /// The grid's filters; empty values are no filter (a form's "any" choice).
    fn filter(&self) -> CoverageFilter {
        let chosen = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        CoverageFilter {
            gaps_only: self
                .gaps
                .as_deref()
                .is_some_and(|v| !v.is_empty() && v != "0"),
            status: chosen(&self.status),
            region: chosen(&self.region),
        }
    }
}

/// A diagnosis as a page for people, by its signed link (`report_url` of the Diagnosis).
///
/// Self-contained HTML (no request leaves the service's origin), readable without JavaScript
/// and good when printed. The link is the capability: no bearer token is needed.
#[utoipa::path(
    tag = "reports",
    operation_id = "get_report_page",
    params(
        ("id" = String, Path, description = "A diagnosis id", example = "dgn_0193b2a4c5d67e8f9a0b1c2d3e4f5a6b"),
        LinkParams,
    ),
    responses(
        (status = 200, description = "The report page", content_type = "text/html", body = String),
        (status = 404, description = "A missing, bad or expired signature, or an unknown id: the same page", content_type = "text/html", body = String),
    )
)]
#[get("/reports/{id}")]
pub async fn get_report_page(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    // A malformed query is a bad link like any other.
    let link = web::Query::<LinkParams>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let filter = link.filter();
    let (Some(exp), Some(sig)) = (link.exp, link.sig) else {
        return page(StatusCode::NOT_FOUND, MissingPage.render());
    };
    match state.service.report_for_link(&id, &exp, &sig).await {
        Some((diagnosis, history)) => {
            let view = ReportView::new(&diagnosis, &history, filter);
            let link = SignedLink {
                exp: &exp,
                sig: &sig,
            };
            page(StatusCode::OK, ReportPage { view: &view, link }.render())
        }
        None => page(StatusCode::NOT_FOUND, MissingPage.render()),
    }
}

/// Any other path under `/reports/`: the page every link that opens nothing gets.
pub async fn missing_report() -> HttpResponse {
    page(StatusCode::NOT_FOUND, MissingPage.render())
}

/// The report page's script (`/reports/assets/report.js`): the copy button of the remediation
/// policy.
pub async fn get_report_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(include_str!("assets/report.js"))
}

fn page(status: StatusCode, html: askama::Result<String>) -> HttpResponse {
    match html {
        Ok(html) => HttpResponse::build(status)
            .content_type(ContentType::html())
            // A report names an account and its problems: not for search engines.
            .insert_header(("X-Robots-Tag", "noindex, nofollow"))
            .body(html),
        Err(error) => {
            tracing::error!(%error, "report page failed to render");
            HttpResponse::InternalServerError()
                .content_type(ContentType::plaintext())
                .body("The report could not be rendered.")
        }
    }
}
