//! What calls cost: a model's price per million tokens and the table of prices per model,
//! parsed from `"gpt-4o-mini=0.15/0.60,…"`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What one model costs, in micro-dollars per million tokens (so `$0.15 / 1M` is 150 000).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelPrice {
    pub input_micros_per_million: i64,
    pub output_micros_per_million: i64,
}

impl ModelPrice {
    /// The cost of a call in micro-dollars, rounded half up.
    pub fn cost_micros(self, tokens_in: i64, tokens_out: i64) -> i64 {
        let total = i128::from(tokens_in.max(0)) * i128::from(self.input_micros_per_million)
            + i128::from(tokens_out.max(0)) * i128::from(self.output_micros_per_million);
        let rounded = (total + 500_000) / 1_000_000;
        i64::try_from(rounded).unwrap_or(i64::MAX)
    }
}

/// `0.150000/0.600000`: US dollars per million input / output tokens, as parsed.
impl fmt::Display for ModelPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let usd = |micros: i64| format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
        write!(
            f,
            "{}/{}",
            usd(self.input_micros_per_million),
            usd(self.output_micros_per_million)
        )
    }
}

/// Prices per model. Parsed from `"gpt-4o-mini=0.15/0.60,gpt-4o=2.50/10.00"`: US dollars per
/// million input / output tokens, entries separated by commas. A model may contain `/`
/// (`meta-llama/Llama-3.1-8B-Instruct=0/0`); the last `=` separates it from the prices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceTable {
    models: BTreeMap<String, ModelPrice>,
}

/// A price table string that does not parse, with the entry and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "price table entry {position} ({entry:?}): {reason}; expected entries like \
     \"gpt-4o-mini=0.15/0.60\" (US dollars per 1M input/output tokens) separated by commas"
)]
pub struct PriceTableError {
    /// 1-based position of the entry in the string.
    pub position: usize,
    pub entry: String,
    pub reason: String,
}

impl PriceTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn parse(spec: &str) -> Result<Self, PriceTableError> {
        let mut table = Self::new();
        for (index, raw) in spec.split(',').enumerate() {
            let entry = raw.trim();
            if entry.is_empty() {
                // "a=1/2," or an unset variable: nothing to price.
                continue;
            }
            let fail = |reason: String| PriceTableError {
                position: index + 1,
                entry: entry.to_owned(),
                reason,
            };
            let (model, prices) = entry
                .rsplit_once('=')
                .ok_or_else(|| fail("no '=' between the model and its prices".into()))?;
            let model = model.trim();
            if model.is_empty() {
                return Err(fail("the model name is empty".into()));
            }
            let (input, output) = prices
                .split_once('/')
                .ok_or_else(|| fail("no '/' between the input and the output price".into()))?;
            let input = parse_usd(input).map_err(|why| fail(format!("input price {why}")))?;
            let output = parse_usd(output).map_err(|why| fail(format!("output price {why}")))?;
            let price = ModelPrice {
                input_micros_per_million: input,
                output_micros_per_million: output,
            };
            if table.models.insert(model.to_owned(), price).is_some() {
                return Err(fail(format!("model {model:?} is priced twice")));
            }
        }
        Ok(table)
    }

    /// Adds or replaces a model's price, returning the one it replaced.
    pub fn insert(&mut self, model: impl Into<String>, price: ModelPrice) -> Option<ModelPrice> {
        self.models.insert(model.into(), price)
    }

    pub fn get(&self, model: &str) -> Option<ModelPrice> {
        self.models.get(model).copied()
    }

    /// The cost of a call in micro-dollars; 0 for a model not in the table.
    pub fn cost_micros(&self, model: &str, tokens_in: i64, tokens_out: i64) -> i64 {
        self.get(model)
            .map_or(0, |price| price.cost_micros(tokens_in, tokens_out))
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

impl FromStr for PriceTable {
    type Err = PriceTableError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        Self::parse(spec)
    }
}

/// "0.15" (US dollars) → 150 000 (micro-dollars), exactly, without floating point.
fn parse_usd(text: &str) -> Result<i64, String> {
    const MAX_WHOLE_DOLLARS: u64 = 1_000_000;
    let text = text.trim();
    let bad = || format!("{text:?} is not a non-negative number of US dollars like 0.15");
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if fraction.len() > 6 {
        return Err(format!(
            "{text:?} has more than 6 decimals (a micro-dollar)"
        ));
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    if whole > MAX_WHOLE_DOLLARS {
        return Err(format!("{text:?} is implausibly high"));
    }
    let mut micros = whole * 1_000_000;
    if !fraction.is_empty() {
        let digits: u64 = fraction.parse().map_err(|_| bad())?;
        micros += digits * 10u64.pow(6 - fraction.len() as u32);
    }
    i64::try_from(micros).map_err(|_| bad())
}
