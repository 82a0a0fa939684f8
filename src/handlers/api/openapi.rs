//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of this API, generated from the
//! handlers' annotations and the request and response types.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{articles, authors, import};

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
        openapi_json,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "articles", description = "Articles: create, read, update, delete, restore"),
        (name = "authors", description = "Authors and their feeds"),
        (name = "import", description = "Bulk import of catalogues"),
    ),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "articles",
    responses((status = 200, description = "This document", content_type = "application/json")),
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
