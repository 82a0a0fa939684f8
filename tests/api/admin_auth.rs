use reqwest::Method;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn every_api_route_needs_a_live_token() {
    let app = TestApp::with_seed().await;
    let token = app.token("alice").await;
    let routes = [
        (Method::GET, "/articles"),
        (Method::POST, "/articles"),
        (
            Method::GET,
            "/articles/00000000-0000-0000-0000-000000000000",
        ),
        (
            Method::PATCH,
            "/articles/00000000-0000-0000-0000-000000000000",
        ),
        (
            Method::DELETE,
            "/articles/00000000-0000-0000-0000-000000000000",
        ),
        (
            Method::POST,
            "/articles/00000000-0000-0000-0000-000000000000/restore",
        ),
        (Method::GET, "/authors"),
        (Method::GET, "/authors/james-beswick"),
        (Method::PATCH, "/authors/james-beswick"),
        (Method::POST, "/import"),
        (Method::GET, "/no-such-route"),
    ];
    let bad_credentials: [Option<&str>; 5] = [
        None,
        Some("Basic YWxpY2U6c2VjcmV0"),
        Some("Bearer"),
        Some("Bearer engfeed_0000000000000000000000000000000000000000000000000000000000000000"),
        Some(&format!("Bearer {token}x")),
    ];
    // Wrong tokens count towards the failed-login limit (10 a minute from one address), so
    // they are tried on a few routes only; missing or malformed credentials do not count.
    for (index, (method, path)) in routes.iter().enumerate() {
        let tried = if index < 4 { 5 } else { 3 };
        for credentials in &bad_credentials[..tried] {
            let mut request = app
                .client
                .request(method.clone(), app.url(&format!("/api/v1{path}")));
            if let Some(value) = credentials {
                request = request.header("Authorization", *value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.status(),
                401,
                "{method} {path} with {credentials:?}"
            );
            assert_eq!(
                response.headers()["www-authenticate"],
                r#"Bearer realm="engfeed""#
            );
            assert_problem(response, 401, None).await;
        }
    }
    assert_eq!(
        app.db.count("SELECT count(*) AS count FROM articles").await,
        50
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused_and_feeds_stay_public() {
    let app = TestApp::with_seed().await;
    let token = app.token("bob").await;
    assert_eq!(
        app.api(Method::GET, "/articles", &token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let mut conn = app.db.connection().await;
    let id = engfeed::db::tokens::list(&mut conn).await.unwrap()[0].id;
    assert!(engfeed::db::tokens::revoke(&mut conn, id).await.unwrap());
    let response = app
        .api(Method::GET, "/articles", &token)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 401, None).await;
    assert!(problem["detail"].as_str().unwrap().contains("revoked"));
    assert_eq!(app.get("/feed.atom").await.status(), 200);
    assert_eq!(app.get("/").await.status(), 200);
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let token = app.token("carol").await;
    let stored = app
        .db
        .count(&format!("SELECT count(*) AS count FROM api_tokens WHERE position('{token}'::bytea IN token_hash) > 0 OR token_hash = '{token}'::bytea"))
        .await;
    assert_eq!(stored, 0);
    assert_eq!(
        app.db
            .count("SELECT count(*) AS count FROM api_tokens WHERE length(token_hash) = 32")
            .await,
        1
    );
}

#[tokio::test]
async fn repeated_wrong_tokens_from_one_address_are_slowed_down() {
    let app = TestApp::with_seed().await;
    let token = app.token("alice").await;
    let wrong = format!("Bearer {token}x");
    for attempt in 1..=10 {
        let response = app
            .client
            .get(app.url("/api/v1/articles"))
            .header("Authorization", &wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    for authorization in [wrong.clone(), format!("Bearer {token}")] {
        let response = app
            .client
            .get(app.url("/api/v1/articles"))
            .header("Authorization", authorization)
            .send()
            .await
            .unwrap();
        // Refused before the token is looked at.
        assert_eq!(response.headers()["retry-after"], "60");
        assert_problem(response, 429, None).await;
    }
    // Feeds are not affected.
    assert_eq!(app.get("/feed.atom").await.status(), 200);
}
