//! The fake's contacts: generated from a seed, so every run of a test or benchmark
//! sees the same directory, with the fields a contractor record has in Zoho.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "Niklaus",
    "Hedy",
    "Tim",
    "Katherine",
    "Linus",
    "Sophie",
    "Mateo",
    "Amara",
    "Yusuf",
    "Ingrid",
    "Kofi",
    "Priya",
    "Lars",
    "Mei",
    "Olu",
    "Nadia",
    "Tomas",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Wirth",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "Torvalds",
    "Wilson",
    "García",
    "Okafor",
    "Demir",
    "Larsen",
    "Mensah",
    "Sharma",
    "Nilsson",
    "Chen",
    "Adeyemi",
    "Haddad",
    "Novák",
];
/// Trades and the skills that go with each.
const TRADES: &[(&str, &[&str])] = &[
    (
        "Electrician",
        &[
            "Wiring",
            "Solar panels",
            "EV chargers",
            "Fault finding",
            "Lighting",
        ],
    ),
    (
        "Plumber",
        &[
            "Boilers",
            "Gas safe",
            "Bathrooms",
            "Leak detection",
            "Heat pumps",
        ],
    ),
    (
        "Carpenter",
        &["Joinery", "Roofing", "Staircases", "Kitchens", "Flooring"],
    ),
    (
        "Painter",
        &["Interiors", "Exteriors", "Wallpaper", "Spray finishing"],
    ),
    ("Roofer", &["Slate", "Flat roofs", "Guttering", "Chimneys"]),
    (
        "Tiler",
        &["Wall tiling", "Floor tiling", "Mosaics", "Wet rooms"],
    ),
    (
        "Landscaper",
        &["Paving", "Fencing", "Planting", "Drainage", "Decking"],
    ),
    (
        "HVAC engineer",
        &[
            "Air conditioning",
            "Ventilation",
            "Heat pumps",
            "Refrigeration",
        ],
    ),
];
const CITIES: &[(&str, &str)] = &[
    ("Leeds", "West Yorkshire"),
    ("Manchester", "Greater Manchester"),
    ("Bristol", "Somerset"),
    ("Glasgow", "Lanarkshire"),
    ("Cardiff", "Glamorgan"),
    ("Norwich", "Norfolk"),
    ("York", "North Yorkshire"),
    ("Brighton", "East Sussex"),
    ("Belfast", "Antrim"),
    ("Oxford", "Oxfordshire"),
];
const STATUSES: &[&str] = &[
    "Active",
    "Active",
    "Active",
    "Available",
    "On leave",
    "Inactive",
];
const COMPANIES: &[&str] = &[
    "Northern Build Co",
    "Brightwork Ltd",
    "Harbour Trades",
    "Keystone & Sons",
    "Greenline Services",
    "Oak and Iron",
    "Apex Maintenance",
];

/// Zoho record ids are long decimal numbers; these look the part.
pub fn record_id(index: usize) -> String {
    (4_150_868_000_000_000_000_u64 + index as u64 * 7).to_string()
}

/// One contact in the fake's store.
#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    pub fields: Map<String, Value>,
    pub modified: OffsetDateTime,
    /// None: no photo. Bumped when the photo changes.
    pub photo_version: Option<u32>,
}

impl Contact {
    /// The contact numbered `index`, as first generated.
    pub fn generate(index: usize, seed: u64, at: OffsetDateTime) -> Self {
        let mut rng =
            fastrand::Rng::with_seed(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let first = FIRST[rng.usize(..FIRST.len())];
        let last = LAST[rng.usize(..LAST.len())];
        let (trade, skills) = TRADES[rng.usize(..TRADES.len())];
        let (city, region) = CITIES[rng.usize(..CITIES.len())];
        let mut chosen: Vec<&str> = skills.to_vec();
        rng.shuffle(&mut chosen);
        chosen.truncate(rng.usize(1..=3));
        let email = format!("{}.{}{}@example.com", ascii(first), ascii(last), index);
        let mut fields = Map::new();
        fields.insert("First_Name".into(), json!(first));
        fields.insert("Last_Name".into(), json!(last));
        fields.insert("Full_Name".into(), json!(format!("{first} {last}")));
        fields.insert("Title".into(), json!(trade));
        fields.insert("Skills".into(), json!(chosen));
        fields.insert(
            "Account_Name".into(),
            json!({"name": COMPANIES[rng.usize(..COMPANIES.len())], "id": record_id(900_000 + index % 7)}),
        );
        fields.insert("Mailing_City".into(), json!(city));
        fields.insert("Mailing_State".into(), json!(region));
        fields.insert("Email".into(), json!(email));
        fields.insert(
            "Phone".into(),
            json!(format!(
                "+44 7{:03} {:06}",
                rng.u32(100..999),
                rng.u32(0..999_999)
            )),
        );
        fields.insert(
            "Contractor_Status".into(),
            json!(STATUSES[rng.usize(..STATUSES.len())]),
        );
        // Nine in ten have a photo.
        let photo_version = (index % 10 != 9).then_some(1);
        Self {
            id: record_id(index),
            fields,
            modified: at,
            photo_version,
        }
    }

    /// The record as the API lists it: the fields asked for, the id always.
    pub fn to_json(&self, fields: &[&str]) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        for name in fields {
            let value = match *name {
                "Modified_Time" => json!(crate::record::format_time(self.modified)),
                "Record_Image" => match self.photo_version {
                    Some(v) => json!(format!("{}{:04}", &self.id[self.id.len() - 6..], v)),
                    None => Value::Null,
                },
                other => self.fields.get(other).cloned().unwrap_or(Value::Null),
            };
            out.insert((*name).to_string(), value);
        }
        Value::Object(out)
    }
}

fn ascii(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_lowercase()
}
