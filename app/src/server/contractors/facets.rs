//! The directory's filter menus and exact counts, read from the per-tenant counters the
//! database keeps in the same transaction as every write to contractors
//! (`contractor_facets`, maintained by triggers: migrations/20261207000001). One indexed
//! read of a few dozen rows replaces three `DISTINCT` scans and a capped count.

use sqlx::PgConnection;
use uuid::Uuid;

use super::super::db::internal;
use crate::model::{AppError, ContractorFilter, FacetValue};

/// Values a menu lists at most: the most common ones (a workspace with thousands of
/// cities would otherwise send them all with every page).
pub const MENU_SIZE: usize = 200;

/// The counters of one side of "removed from Zoho".
#[derive(Debug, Default)]
pub struct Facets {
    all: u64,
    trades: Vec<FacetValue>,
    cities: Vec<FacetValue>,
    statuses: Vec<FacetValue>,
}

impl Facets {
    pub async fn load(
        conn: &mut PgConnection,
        tenant_id: Uuid,
        archived: bool,
    ) -> Result<Self, AppError> {
        let rows: Vec<(String, String, i32)> = sqlx::query_as(
            "SELECT kind, value, n FROM contractor_facets
             WHERE tenant_id = $1 AND archived = $2 AND n > 0",
        )
        .bind(tenant_id)
        .bind(archived)
        .fetch_all(conn)
        .await
        .map_err(internal)?;
        let mut facets = Self::default();
        for (kind, value, n) in rows {
            let count = n.max(0) as u64;
            let list = match kind.as_str() {
                "all" => {
                    facets.all = count;
                    continue;
                }
                "trade" => &mut facets.trades,
                "city" => &mut facets.cities,
                "status" => &mut facets.statuses,
                _ => continue,
            };
            list.push(FacetValue { value, count });
        }
        Ok(facets)
    }

    /// The exact number of contractors `filter` matches, when the counters know it: no
    /// text search and at most one of trade, city and status chosen.
    pub fn exact_count(&self, filter: &ContractorFilter) -> Option<u64> {
        if !filter.q.is_empty() {
            return None;
        }
        let chosen: Vec<(&[FacetValue], &str)> = [
            (self.trades.as_slice(), filter.trade.as_str()),
            (self.cities.as_slice(), filter.city.as_str()),
            (self.statuses.as_slice(), filter.status.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
        match chosen.as_slice() {
            [] => Some(self.all),
            [(values, chosen)] => Some(
                values
                    .iter()
                    .find(|facet| facet.value == *chosen)
                    .map_or(0, |facet| facet.count),
            ),
            _ => None,
        }
    }

    /// The three menus: each its [`MENU_SIZE`] most common values in alphabetical order,
    /// plus the chosen value when it is not among them (so the menu shows what filters
    /// the page, even a value no contractor has any more).
    pub fn menus(self, filter: &ContractorFilter) -> [Vec<FacetValue>; 3] {
        [
            menu(self.trades, &filter.trade),
            menu(self.cities, &filter.city),
            menu(self.statuses, &filter.status),
        ]
    }
}

fn menu(mut values: Vec<FacetValue>, chosen: &str) -> Vec<FacetValue> {
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let chosen = (!chosen.is_empty()).then(|| {
        values
            .iter()
            .find(|facet| facet.value == chosen)
            .cloned()
            .unwrap_or_else(|| FacetValue {
                value: chosen.to_string(),
                count: 0,
            })
    });
    values.truncate(MENU_SIZE);
    if let Some(chosen) = chosen
        && !values.iter().any(|facet| facet.value == chosen.value)
    {
        values.push(chosen);
    }
    values.sort_by(|a, b| a.value.cmp(&b.value));
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facet(value: &str, count: u64) -> FacetValue {
        FacetValue {
            value: value.into(),
            count,
        }
    }

    fn facets() -> Facets {
        Facets {
            all: 10,
            trades: vec![facet("Roofer", 3), facet("Electrician", 7)],
            cities: vec![facet("Leeds", 10)],
            statuses: vec![facet("Active", 9), facet("Inactive", 1)],
        }
    }

    #[test]
    fn counts_are_exact_for_no_filter_or_one_menu_and_unknown_otherwise() {
        let facets = facets();
        let filter = |trade: &str, city: &str, q: &str| ContractorFilter {
            trade: trade.into(),
            city: city.into(),
            q: q.into(),
            ..ContractorFilter::default()
        };
        assert_eq!(facets.exact_count(&filter("", "", "")), Some(10));
        assert_eq!(facets.exact_count(&filter("Electrician", "", "")), Some(7));
        assert_eq!(facets.exact_count(&filter("Plumber", "", "")), Some(0));
        assert_eq!(facets.exact_count(&filter("", "Leeds", "")), Some(10));
        assert_eq!(facets.exact_count(&filter("Roofer", "Leeds", "")), None);
        assert_eq!(facets.exact_count(&filter("", "", "solar")), None);
    }

    #[test]
    fn a_menu_keeps_the_most_common_values_alphabetically_and_the_chosen_one() {
        let many: Vec<FacetValue> = (0..MENU_SIZE as u64 + 5)
            .map(|i| facet(&format!("city {i:03}"), i + 1))
            .collect();
        let listed = menu(many.clone(), "");
        assert_eq!(listed.len(), MENU_SIZE);
        assert_eq!(listed[0].value, "city 005", "the five rarest are left out");
        assert!(listed.windows(2).all(|w| w[0].value < w[1].value));
        let with_rare = menu(many, "city 000");
        assert_eq!(with_rare.len(), MENU_SIZE + 1);
        assert_eq!(with_rare[0], facet("city 000", 1));
        let gone = menu(vec![facet("Leeds", 2)], "Atlantis");
        assert_eq!(gone, vec![facet("Atlantis", 0), facet("Leeds", 2)]);
    }
}
