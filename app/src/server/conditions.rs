//! A query's `WHERE` built one condition at a time: the filters of the work queue, the
//! team view, bulk actions and the companies page (and whatever filters the same way
//! later). Every value is bound, never written into the SQL text; each condition is
//! `AND`ed to the ones before; a filter that is not set adds nothing, so the text (and
//! the plan PostgreSQL caches for it) depends only on which filters are set.

use sqlx::{Encode, Postgres, QueryBuilder, Type};
use uuid::Uuid;

use crate::model::MatchCount;

/// Counting stops here: an exact count of a million matches is a full scan; "10,000+"
/// tells a person all they need.
pub const COUNT_CAP: u64 = 10_000;

/// Pushes `(SELECT count(*) …)` of the rows of `table` (aliased `c`) matching the
/// conditions `push_conditions` writes, stopping one past [`COUNT_CAP`]; read the
/// result with [`capped`].
pub fn push_capped_count<'q>(
    query: &mut QueryBuilder<'q, Postgres>,
    table: &str,
    push_conditions: impl FnOnce(&mut QueryBuilder<'q, Postgres>),
) {
    query
        .push("(SELECT count(*) FROM (SELECT 1 FROM ")
        .push(table)
        .push(" c WHERE ");
    push_conditions(query);
    query
        .push(" LIMIT ")
        .push_bind((COUNT_CAP + 1) as i64)
        .push(") capped)");
}

/// What a count from [`push_capped_count`] tells a person.
pub fn capped(counted: i64) -> MatchCount {
    let counted = counted.max(0) as u64;
    if counted > COUNT_CAP {
        MatchCount::AtLeast(COUNT_CAP)
    } else {
        MatchCount::Exact(counted)
    }
}

pub struct Conditions<'b, 'q> {
    query: &'b mut QueryBuilder<'q, Postgres>,
}

impl<'b, 'q> Conditions<'b, 'q> {
    /// Starts with the tenant (`c` is the filtered table). Row-level security already
    /// limits rows to it; saying it again lets the planner use the (tenant, …) indexes.
    pub fn for_tenant(query: &'b mut QueryBuilder<'q, Postgres>, tenant_id: Uuid) -> Self {
        query.push("c.tenant_id = ").push_bind(tenant_id);
        Self { query }
    }

    /// ` AND ` and `template`, with `value` bound at each `{}` in it.
    pub fn and<T>(&mut self, template: &str, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Postgres> + Type<Postgres> + Send + Clone,
    {
        let mut parts = template.split("{}");
        self.query
            .push(" AND ")
            .push(parts.next().unwrap_or_default());
        for part in parts {
            self.query.push_bind(value.clone()).push(part);
        }
        self
    }

    /// [`Self::and`] when there is a value; nothing when there is none.
    pub fn and_some<T>(&mut self, template: &str, value: Option<T>) -> &mut Self
    where
        T: 'q + Encode<'q, Postgres> + Type<Postgres> + Send + Clone,
    {
        if let Some(value) = value {
            self.and(template, value);
        }
        self
    }

    /// [`Self::and`] when `text` is not empty.
    pub fn and_text(&mut self, template: &str, text: &str) -> &mut Self {
        self.and_some(template, (!text.is_empty()).then(|| text.to_string()))
    }

    /// ` AND column = ANY({values})`, when there are values; ` AND column = {value}`
    /// for one, which the planner can use for an index's order (it will not for `= ANY`,
    /// even of one value: the team queue's filtered page, bench/RESULTS.md).
    pub fn and_any<T>(&mut self, column: &str, values: &[T]) -> &mut Self
    where
        Vec<T>: 'q + Encode<'q, Postgres> + Type<Postgres> + Send,
        T: 'q + Encode<'q, Postgres> + Type<Postgres> + Send + Clone,
    {
        if let [value] = values {
            self.query
                .push(" AND ")
                .push(column)
                .push(" = ")
                .push_bind(value.clone());
        } else if !values.is_empty() {
            self.query
                .push(" AND ")
                .push(column)
                .push(" = ANY(")
                .push_bind(values.to_vec())
                .push(")");
        }
        self
    }

    /// ` AND ` and a condition with no value.
    pub fn and_sql(&mut self, sql: &str) -> &mut Self {
        self.query.push(" AND ").push(sql);
        self
    }

    /// ` AND `, then the builder, for a condition with several different values.
    pub fn and_raw(&mut self) -> &mut QueryBuilder<'q, Postgres> {
        self.query.push(" AND ")
    }
}
