//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of this API, generated from the
//! handlers' annotations and the request and response types.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{articles, authors, import, stats};
use crate::error::{PROBLEM_JSON, Problem, ProblemField};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "engfeed admin API",
        description = "Manage engfeed's articles and authors. Every route needs `Authorization: Bearer <token>` \
                       (`engfeed token create`). Errors are RFC 9457 `application/problem+json`.",
    ),
    paths(
        articles::list_articles,
        articles::create_article,
        articles::get_article,
        articles::update_article,
        articles::delete_article,
        articles::restore_article,
        authors::list_authors,
        authors::get_author,
        authors::rename_author,
        import::import_catalogue,
        stats::feed_stats,
        openapi_json,
    ),
    components(schemas(Problem<'static>, ProblemField<'static>)),
    modifiers(&CommonResponses),
    security(("bearer" = [])),
    tags(
        (name = "articles", description = "Articles: create, read, update, delete, restore"),
        (name = "authors", description = "Authors and their feeds"),
        (name = "import", description = "Bulk import of catalogues"),
        (name = "stats", description = "Who polls which feed: requests, 304s, clients, subscribers"),
    ),
)]
pub struct ApiDoc;

/// What every operation shares, said once: the bearer scheme with its 401 and 429 (the
/// middleware answers them for all), and the problem+json body of every error response.
struct CommonResponses;

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let unauthorized = problem("No valid token");
        let throttled =
            problem("Too many failed authentications from this address; see Retry-After");
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                for (status, response) in responses.iter_mut() {
                    if let RefOr::T(response) = response
                        && status.starts_with(['4', '5'])
                        && response.content.is_empty()
                    {
                        *response = problem(&response.description);
                    }
                }
                responses.insert("401".to_owned(), unauthorized.clone().into());
                responses.insert("429".to_owned(), throttled.clone().into());
            }
        }
    }
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "articles",
    responses((status = 200, description = "This document", content_type = "application/json")),
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
