//! Search across everything: the palette asks as a person types, the /search page
//! once per submitted query.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{AppError, SearchResults};

/// What `q` finds that the viewer may open, ranked (model::search). `full` asks for
/// the /search page's longer lists instead of the palette's few of each kind.
#[server(endpoint = "search", input = GetUrl)]
pub async fn search(q: String, full: bool) -> Result<SearchResults, AppError> {
    use crate::model::{Capability, SearchQuery};
    use crate::server::{request, search};
    let viewer = request::require(Capability::Search)?;
    let query = SearchQuery::parse(&q)?;
    let limit = if full {
        search::PAGE_LIMIT
    } else {
        search::PALETTE_LIMIT
    };
    search::search(&request::state()?.pool, &viewer, &query, limit).await
}
