//! The OpenAPI document describes what the API answers: error bodies, levels, fields.

use crate::helpers::TestApp;

#[tokio::test]
async fn every_error_response_is_documented_as_problem_json() {
    let app = TestApp::spawn().await;
    let token = app.token("docs").await;
    let doc = app.api_json("/openapi.json", &token).await;
    let mut errors = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            for (status, response) in operation["responses"].as_object().expect("responses") {
                if status.starts_with(['4', '5']) {
                    errors += 1;
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(errors > 30, "{errors} error responses documented");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Level"]["enum"],
        serde_json::json!(["beginner", "intermediate", "advanced"])
    );
    assert!(schemas["Problem"]["properties"]["status"].is_object());
    for field in ["id", "title", "author", "level", "version", "permalink"] {
        assert!(
            schemas["ArticleResponse"]["properties"][field].is_object(),
            "ArticleResponse.{field}"
        );
    }
}

#[tokio::test]
async fn an_article_reads_back_in_the_documented_shape() {
    let app = TestApp::with_seed().await;
    let token = app.token("docs").await;
    let doc = app.api_json("/openapi.json", &token).await;
    let documented: Vec<&String> = doc["components"]["schemas"]["ArticleResponse"]["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    let listed = app.api_json("/articles?limit=1", &token).await;
    let article = listed["articles"][0].as_object().expect("an article");
    let mut sent: Vec<&String> = article.keys().collect();
    let mut documented = documented;
    sent.sort();
    documented.sort();
    assert_eq!(sent, documented);
    assert_eq!(
        article["author"]["slug"].as_str().map(str::is_empty),
        Some(false)
    );
}
