//! Schemas for values the app's model types carry (statuses, priorities, stages):
//! their choices are read from the model's own lists, so the document cannot offer a
//! value the server refuses, or miss one it sends.

use app::model::{CasePriority, CaseSource, CaseStatus, CompanyStage, EnrichmentStatus};
use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

fn choices(values: Vec<&'static str>, nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> = values.into_iter().map(Into::into).collect();
    let kind = if nullable {
        values.push(serde_json::Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::from(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .enum_values(Some(values))
        .build()
}

pub fn case_status() -> Object {
    choices(CaseStatus::ALL.map(CaseStatus::as_str).to_vec(), false)
}

/// `status=open&status=pending`.
pub fn case_status_list() -> Array {
    ArrayBuilder::new().items(case_status()).build()
}

pub fn case_status_optional() -> Object {
    choices(CaseStatus::ALL.map(CaseStatus::as_str).to_vec(), true)
}

pub fn case_priority() -> Object {
    choices(CasePriority::ALL.map(CasePriority::as_str).to_vec(), false)
}

pub fn case_priority_optional() -> Object {
    choices(CasePriority::ALL.map(CasePriority::as_str).to_vec(), true)
}

pub fn case_source() -> Object {
    choices(CaseSource::ALL.map(CaseSource::as_str).to_vec(), false)
}

pub fn company_stage() -> Object {
    choices(CompanyStage::ALL.map(CompanyStage::as_str).to_vec(), false)
}

pub fn company_stage_optional() -> Object {
    choices(CompanyStage::ALL.map(CompanyStage::as_str).to_vec(), true)
}

pub fn enrichment_status() -> Object {
    choices(
        [
            EnrichmentStatus::Queued,
            EnrichmentStatus::Running,
            EnrichmentStatus::Done,
            EnrichmentStatus::Failed,
        ]
        .map(EnrichmentStatus::as_str)
        .to_vec(),
        false,
    )
}

pub fn enrichment_status_optional() -> Object {
    let mut object = enrichment_status();
    object.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    if let Some(values) = object.enum_values.as_mut() {
        values.push(serde_json::Value::Null);
    }
    object
}
