//! A refused field said in words: "Email is already in use." rather than the
//! `email: is already in use` a program would print. The field's code and the bare
//! message stay in the error for programs (the API's problem document carries both);
//! this is what people read, beside the field or at the top of a form.

/// How a field code reads at the start of a sentence. The codes the forms send; any
/// other reads as its words ("display_name" → "Display name").
fn label(field: &str) -> String {
    let known = match field {
        "min_score" => "Minimum score",
        "wip_limit" => "The limit",
        "assignee_id" | "assignee" => "The assignee",
        "customer_email" => "The customer’s email",
        "customer_name" => "The customer’s name",
        "expires_on" => "The expiry date",
        "url" => "The address",
        "q" | "query" => "The search",
        "client_id" => "The client ID",
        "client_secret" => "The client secret",
        "daily_cap" => "The daily limit",
        "as_of" => "The date",
        "schedule_minutes" => "The schedule",
        "display_name" => "The name",
        "events" => "The events",
        "scopes" => "The scopes",
        "file" => "The file",
        "mapping" => "The column choice",
        "request" => "The request",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    // The Zoho connection's mapping: `map_city` is the Zoho field read for the city.
    if let Some(ours) = field.strip_prefix("map_") {
        return format!("The Zoho field for {}", ours.replace('_', " "));
    }
    let words = field.replace(['_', '-', '.'], " ");
    capitalised(words.trim())
}

/// Messages that do not go on from the field's name: what to do ("choose at least one
/// scope"), a sentence with its own subject ("a case needs a title", "there is no
/// tenant …"), or what a parser found ("unknown variant `x`"). They follow the field's
/// name and a colon, as written; so does one that starts with a mark ("`hot` is not a
/// status").
const OWN_SENTENCE: [&str; 33] = [
    "choose ",
    "confirm ",
    "connect ",
    "write ",
    "select ",
    "enter ",
    "pick ",
    "give ",
    "add ",
    "use ",
    "save ",
    "try ",
    "please ",
    "upload ",
    "split ",
    "set ",
    "a ",
    "an ",
    "the ",
    "at ",
    "between ",
    "row ",
    "there ",
    "no ",
    "this ",
    "it ",
    "your ",
    "unknown ",
    "invalid ",
    "missing ",
    "expected ",
    "unexpected ",
    "failed ",
];

/// `field` and `message` as one sentence, ending in a full stop.
pub fn sentence(field: &str, message: &str) -> String {
    sentence_with(&label(field), message)
}

/// The same, with the form's own words for the field ("Your email").
pub fn sentence_with(label: &str, message: &str) -> String {
    let message = match message.trim() {
        "" => "is not valid",
        message => message,
    };
    let own_sentence = OWN_SENTENCE.iter().any(|start| message.starts_with(start))
        || !message.starts_with(char::is_lowercase);
    let mut text = if own_sentence {
        // "Scopes: choose at least one scope." (the field named without its article).
        let named = label
            .strip_prefix("The ")
            .map_or(label.to_owned(), capitalised);
        format!("{named}: {message}")
    } else {
        // A predicate: "is required", "must be …", "separates its columns with …".
        format!("{label} {message}")
    };
    if !text.ends_with(['.', '?', '!', '…']) {
        text.push('.');
    }
    text
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_predicate_follows_the_fields_name() {
        let cases = [
            ("email", "is already in use", "Email is already in use."),
            (
                "min_score",
                "must be a whole number from 0 to 100",
                "Minimum score must be a whole number from 0 to 100.",
            ),
            ("display_name", "is required", "The name is required."),
            ("sector_hint", "is too long", "Sector hint is too long."),
            (
                "file",
                "separates its columns with tabs",
                "The file separates its columns with tabs.",
            ),
            (
                "map_city",
                "cannot contain spaces",
                "The Zoho field for city cannot contain spaces.",
            ),
            (
                "url",
                "is required: where should events be sent?",
                "The address is required: where should events be sent?",
            ),
            ("x", " ", "X is not valid."),
        ];
        for (field, message, said) in cases {
            assert_eq!(sentence(field, message), said);
        }
    }

    #[test]
    fn a_sentence_of_its_own_follows_the_fields_name_and_a_colon() {
        let cases = [
            (
                "events",
                "choose at least one event",
                "Events: choose at least one event.",
            ),
            (
                "status",
                "`hot` is not a status",
                "Status: `hot` is not a status.",
            ),
            ("file", "row 3 holds a NUL", "File: row 3 holds a NUL."),
            (
                "role",
                "unknown variant `boss`, expected `admin`",
                "Role: unknown variant `boss`, expected `admin`.",
            ),
            (
                "title",
                "a case needs a title",
                "Title: a case needs a title.",
            ),
            (
                "tenant",
                "there is no tenant `x`",
                "Tenant: there is no tenant `x`.",
            ),
        ];
        for (field, message, said) in cases {
            assert_eq!(sentence(field, message), said);
        }
    }
}
