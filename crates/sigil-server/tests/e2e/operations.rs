//! Health, readiness, metrics.

use crate::support::TestServer;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let server = TestServer::start().await;
    let (status, body) = server.get_json("/healthz").await;
    assert_eq!(
        (status.as_u16(), body["status"].as_str()),
        (200, Some("ok"))
    );
    let (status, body) = server.get_json("/readyz").await;
    assert_eq!(
        (status.as_u16(), body["status"].as_str()),
        (200, Some("ready"))
    );

    let (id, secret) = server.client("default", "svc").await;
    server.token("default", (&id, &secret), &[]).await;
    server.token("default", (&id, &secret), &[]).await;
    let _ = server
        .post_form(
            "/token",
            (&id, "wrong"),
            &[("grant_type", "client_credentials")],
        )
        .await;
    let text = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("sigil_http_requests_total{route=\"/token\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("sigil_http_requests_total{route=\"/token\",status=\"401\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("sigil_http_request_duration_seconds_count{route=\"/token\"} 3"),
        "{text}"
    );
    assert!(
        text.contains(
            "sigil_tokens_issued_total{grant=\"client_credentials\",realm=\"default\"} 2"
        ),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let server = TestServer::start().await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap();
        ids.push(
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    // `{per-process prefix}.{counter}`: distinct per request, one prefix per server.
    assert_ne!(ids[0], ids[1]);
    let prefixes: Vec<_> = ids.iter().map(|id| id.split_once('.').unwrap().0).collect();
    assert!(
        prefixes[0].len() >= 8 && prefixes[0] == prefixes[1],
        "{ids:?}"
    );
    let echoed = server
        .http
        .get(server.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    server.stop().await;
}
