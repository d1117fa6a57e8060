//! A plain HTTP client for tests of the binary and of `MockServer`, which have no
//! [`TestServer`](super::TestServer): answers as `(status, JSON or Null)`, no contract check.

use serde_json::Value;

/// A client that never goes through a proxy (tests talk to 127.0.0.1 only).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `GET url` in the default session.
pub async fn get(url: &str) -> (u16, Value) {
    answer(client().get(url).send().await.unwrap()).await
}

/// `GET url` in the named session (`X-Trunkmock-Session`).
pub async fn get_in_session(url: &str, session: &str) -> (u16, Value) {
    let r = client()
        .get(url)
        .header("x-trunkmock-session", session)
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// `POST url` with a JSON body in the default session.
pub async fn post(url: &str, body: &Value) -> (u16, Value) {
    answer(client().post(url).json(body).send().await.unwrap()).await
}

/// `POST url` with a JSON body in the named session.
pub async fn post_in_session(url: &str, session: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(url)
        .header("x-trunkmock-session", session)
        .json(body)
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// How many pbx providers a state dump (`/__admin/state`, `MockServer::state`) holds.
pub fn pbx_provider_count(state: &Value) -> usize {
    state["pbx"]["providers"].as_array().unwrap().len()
}
