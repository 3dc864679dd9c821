//! Calling the REST API as another system would: a real key, a JSON body, and the
//! problem documents it answers with.

use app::model::{ApiScope, NewApiKey};
use app::server::api_keys;
use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

use super::Reply;
use super::world::World;

/// A key of the admin `admin`'s workspace with `scopes`.
pub async fn key(world: &World, admin: &str, scopes: &[ApiScope]) -> String {
    let viewer = world.viewer(admin).await;
    let new = NewApiKey {
        name: format!("test {}", scopes.len()),
        scopes: scopes.to_vec(),
        expires_on: None,
    };
    api_keys::create(&world.state.pool, &viewer, &new)
        .await
        .unwrap()
        .secret
}

pub async fn every_scope(world: &World, admin: &str) -> String {
    key(world, admin, &ApiScope::ALL).await
}

pub async fn call(
    world: &World,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if !key.is_empty() {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    super::send_body(world.state.clone(), request, body).await
}

pub async fn get(world: &World, key: &str, path: &str) -> Reply {
    call(world, key, "GET", path, None, &[]).await
}

pub fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

/// A problem document of `kind` with `status`.
pub fn assert_problem(reply: &Reply, status: u16, kind: &str) -> Value {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    assert_eq!(reply.header("content-type"), "application/problem+json");
    let problem = json(reply);
    assert_eq!(problem["type"], format!("/problems/{kind}"), "{problem}");
    assert_eq!(problem["status"], status);
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    problem
}
