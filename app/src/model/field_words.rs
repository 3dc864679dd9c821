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

/// Messages that are a sentence of their own: what to do ("choose at least one scope"),
/// or one with its own subject ("a case needs a title", "row 4 holds …", "`hot` is not
/// a status").
const STANDS_ALONE: [&str; 27] = [
    "choose ", "confirm ", "connect ", "write ", "select ", "enter ", "pick ", "give ", "add ",
    "use ", "save ", "try ", "please ", "upload ", "split ", "set ", "a ", "an ", "the ", "at ",
    "between ", "row ", "there ", "no ", "this ", "it ", "your ",
];

/// Messages that describe what was sent rather than say something of the field, as the
/// parsers word them ("unknown variant `x`, expected …"): after the field's name and a
/// colon.
const DESCRIBES: [&str; 7] = [
    "unknown ",
    "invalid ",
    "missing ",
    "expected ",
    "unexpected ",
    "failed ",
    "error ",
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
    let starts = |starts: &[&str]| starts.iter().any(|start| message.starts_with(start));
    let mut text = if starts(&STANDS_ALONE) || !message.starts_with(char::is_lowercase) {
        capitalised(message)
    } else if starts(&DESCRIBES) {
        format!("{label}: {message}")
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
        assert_eq!(
            sentence("email", "is already in use"),
            "Email is already in use."
        );
        assert_eq!(
            sentence("min_score", "must be a whole number from 0 to 100"),
            "Minimum score must be a whole number from 0 to 100."
        );
        assert_eq!(
            sentence("display_name", "is required"),
            "The name is required."
        );
        assert_eq!(
            sentence("sector_hint", "is too long"),
            "Sector hint is too long."
        );
        assert_eq!(
            sentence("file", "separates its columns with tabs"),
            "The file separates its columns with tabs."
        );
        assert_eq!(
            sentence("map_city", "cannot contain spaces"),
            "The Zoho field for city cannot contain spaces."
        );
    }

    #[test]
    fn a_message_of_its_own_stands_alone() {
        assert_eq!(
            sentence("events", "choose at least one event"),
            "Choose at least one event."
        );
        assert_eq!(
            sentence("status", "`hot` is not a status"),
            "`hot` is not a status."
        );
        assert_eq!(
            sentence("url", "is required: where should events be sent?"),
            "The address is required: where should events be sent?"
        );
        assert_eq!(sentence("x", " "), "X is not valid.");
        assert_eq!(sentence("file", "row 3 holds a NUL"), "Row 3 holds a NUL.");
        assert_eq!(
            sentence("role", "unknown variant `boss`, expected `admin`"),
            "Role: unknown variant `boss`, expected `admin`."
        );
        assert_eq!(
            sentence("title", "a case needs a title"),
            "A case needs a title."
        );
    }
}
