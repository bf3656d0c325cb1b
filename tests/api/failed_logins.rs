//! Failed logins cost the sender: missing or unknown tokens are counted per client address and,
//! beyond `--failed-auth-per-minute`, answered `429` with `Retry-After`, and counted in a metric
//! whose labels name no address; a valid token from the same address is never slowed. The client
//! address is the peer's, or behind `--trusted-proxies` the right-most `X-Forwarded-For` hop that
//! is not a trusted proxy; a header from any other peer is ignored.

use connector_doctor::domain::Secret;

use crate::helpers::TestApp;
use crate::helpers::binary::Binary;
use crate::helpers::haproxy::Haproxy;

/// `GET /v1/catalogue` with this token, if any, and this `X-Forwarded-For`, if any: the status
/// and whether a `Retry-After` came with it.
async fn catalogue(base: &str, token: Option<&str>, forwarded_for: Option<&str>) -> (u16, bool) {
    let mut request = reqwest::Client::new().get(format!("{base}/v1/catalogue"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(hops) = forwarded_for {
        request = request.header("x-forwarded-for", hops);
    }
    let response = request.send().await.unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|seconds| seconds >= 1);
    (response.status().as_u16(), retry_after)
}

async fn app(limit: usize, trusted: &str) -> TestApp {
    let trusted: Vec<_> = trusted
        .split(',')
        .filter(|cidr| !cidr.is_empty())
        .map(|cidr| connector_doctor::security::cidr(cidr).unwrap())
        .collect();
    TestApp::spawn(move |settings| {
        settings.security.api_tokens = Some(Secret::new("acme:acme-token"));
        settings.security.failed_auth_per_minute = limit;
        settings.security.trusted_proxies = trusted;
    })
    .await
}

#[tokio::test]
async fn failed_authentications_beyond_the_limit_are_429_and_a_valid_token_is_never_slowed() {
    let app = app(5, "").await;
    let base = app.base_url.clone();
    for _ in 0..5 {
        assert_eq!(catalogue(&base, Some("wrong"), None).await, (401, false));
    }
    assert_eq!(catalogue(&base, Some("wrong"), None).await, (429, true));
    assert_eq!(
        catalogue(&base, None, None).await,
        (429, true),
        "no token alike"
    );
    for _ in 0..20 {
        assert_eq!(
            catalogue(&base, Some("acme-token"), None).await,
            (200, false),
            "a valid token from the same address"
        );
    }
    assert_eq!(catalogue(&base, Some("wrong"), None).await, (429, true));

    let metrics = app.metrics().await;
    for series in [
        "connector_doctor_failed_authentications_total 8",
        "connector_doctor_rejected_requests_total{reason=\"failed_authentications\"} 3",
        "connector_doctor_rejected_requests_total{reason=\"unauthorized\"} 5",
    ] {
        assert!(metrics.contains(series), "missing {series} in\n{metrics}");
    }
    assert!(!metrics.contains("127.0.0.1"), "no address in a label");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_counts_and_elsewhere_the_header_is_ignored() {
    let behind = app(3, "127.0.0.1/32").await;
    let base = behind.base_url.clone();
    for _ in 0..3 {
        let answer = catalogue(&base, Some("wrong"), Some("203.0.113.1")).await;
        assert_eq!(answer, (401, false));
    }
    assert_eq!(
        catalogue(&base, Some("wrong"), Some("203.0.113.1")).await,
        (429, true)
    );
    // A hop the client wrote itself, left of the one the proxy appended, changes nothing.
    assert_eq!(
        catalogue(&base, Some("wrong"), Some("198.51.100.9, 203.0.113.1")).await,
        (429, true)
    );
    // Another client behind the same proxy has a count of its own.
    assert_eq!(
        catalogue(&base, Some("wrong"), Some("203.0.113.2")).await,
        (401, false)
    );
    assert_eq!(
        catalogue(&base, Some("acme-token"), Some("203.0.113.1")).await,
        (200, false)
    );

    // No trusted proxy: the header is the client's own word, and the peer is counted.
    let direct = app(3, "").await;
    let base = direct.base_url.clone();
    for hop in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(
            catalogue(&base, Some("wrong"), Some(hop)).await,
            (401, false)
        );
    }
    assert_eq!(
        catalogue(&base, Some("wrong"), Some("203.0.113.4")).await,
        (429, true)
    );
}

/// A real balancer: HAProxy connects to the service from 127.0.0.2, the one address trusted, and
/// appends the address each request came from (127.0.0.1): that is the client counted, whatever
/// it claims in an `X-Forwarded-For` of its own.
#[tokio::test]
async fn through_a_real_balancer_the_client_behind_it_is_counted() {
    let mut service = Binary::start(
        &[
            "--api-tokens",
            "acme:acme-token",
            "--metrics-listen",
            "127.0.0.1:0",
            "--failed-auth-per-minute",
            "2",
            "--trusted-proxies",
            "127.0.0.2",
        ],
        "info",
    )
    .await;
    let balancer = Haproxy::connecting_from(&[service.base_url.as_str()], "127.0.0.2").await;
    let base = balancer.base_url.clone();
    let claims = ["203.0.113.1", "203.0.113.2", "203.0.113.3"];
    let mut answers = Vec::new();
    for claim in claims {
        answers.push(catalogue(&base, Some("wrong"), Some(claim)).await);
    }
    assert_eq!(answers, [(401, false), (401, false), (429, true)]);
    assert_eq!(
        catalogue(&base, Some("acme-token"), None).await,
        (200, false)
    );
    // Straight to the service, 127.0.0.1 is a peer that is not trusted: it is the client, the
    // same one, and its header is ignored.
    assert_eq!(
        catalogue(&service.base_url, Some("wrong"), Some("203.0.113.9")).await,
        (429, true)
    );
    service.stop().await;
}
