//! Company enrichment, apart from the web application so it builds and tests on its own.
//!
//! - [`types`]: the result (summary, keywords, signals with evidence, score, confidence,
//!   sources, usage). Plain serde, compiled into the browser too, which renders it.
//! - `fetch` (feature `engine`): the only way this crate reaches the network. Every URL
//!   is checked after DNS resolution (no private, loopback, link-local or metadata
//!   addresses, also after a redirect), with strict timeouts and size limits.
//! - `extract` / `heuristic`: the offline provider: readable text, keywords, signals and
//!   a score from a documented rubric. Deterministic for the same pages.
//! - `openai`: any OpenAI-compatible chat API, answering in a JSON schema we validate.
//! - `provider`: the pipeline a job runs: fetch → extract → analyse, reporting each step.

pub mod types;

#[cfg(feature = "engine")]
pub mod extract;
#[cfg(feature = "engine")]
pub mod fetch;
#[cfg(feature = "engine")]
pub mod heuristic;
#[cfg(feature = "engine")]
pub mod openai;
#[cfg(feature = "engine")]
pub mod provider;

pub use types::*;
