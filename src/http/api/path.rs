//! A resource's number or id in the path. One that is not a number names nothing:
//! 404, the same problem as a number that names nothing in the caller's workspace (a
//! caller learns nothing from telling them apart).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::http::problem::Problem;
use app::model::AppError;

/// A case's number (`/cases/{number}`).
pub struct Number(pub i32);

/// A row's id (`/companies/{id}`, `/contractors/{id}`).
pub struct Id(pub i64);

async fn parse<T: std::str::FromStr, S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<T, Problem> {
    let not_found = || Problem::from(&AppError::NotFound);
    let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
        .await
        .map_err(|_| not_found())?;
    // The resource's own parameter is the first (nested routes add theirs after).
    let (_, text) = params.first().ok_or_else(not_found)?;
    text.parse().map_err(|_| not_found())
}

impl<S: Send + Sync> FromRequestParts<S> for Number {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        parse(parts, state).await.map(Number)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        parse(parts, state).await.map(Id)
    }
}
