//! `@` in the comment box: typing `@` and the start of a name lists the people who may
//! be mentioned on the case (those who can open it), and choosing one writes their
//! whole name, which is what the server recognises as a mention (model::mentioned).
//! Arrow keys move through the list, Enter or Tab chooses, Escape closes it.
//!
//! Without JavaScript a person types `@` and the name themselves; it works the same.

use leptos::html::Textarea;
use leptos::prelude::*;

use crate::model::Mentionable;

/// Names offered at most.
const OFFERED: usize = 6;

/// The `@name` being typed just before the caret, if any: the `@`'s byte offset and
/// what follows it (no line break; at most 40 characters; the `@` at the start or after
/// a space or punctuation, so an email address is not one).
pub fn typed_mention(text: &str, caret: usize) -> Option<(usize, &str)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let query = &before[at + 1..];
    if query.contains('\n') || query.chars().count() > 40 {
        return None;
    }
    let prior = before[..at].chars().next_back();
    if prior.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
        return None;
    }
    Some((at, query))
}

/// The people whose name (or a word of it) starts with `query`, at most [`OFFERED`].
pub fn offered(people: &[Mentionable], query: &str) -> Vec<Mentionable> {
    let query = query.to_lowercase();
    people
        .iter()
        .filter(|person| {
            let name = person.display_name.to_lowercase();
            name.starts_with(&query) || name.split_whitespace().any(|word| word.starts_with(&query))
        })
        .take(OFFERED)
        .cloned()
        .collect()
}

/// The mention list of one comment box.
#[derive(Clone, Copy)]
pub struct Mentions {
    number: i32,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    textarea: NodeRef<Textarea>,
    /// Told the box's new text when a name is chosen.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    on_text: Callback<String>,
    /// The `@`'s byte offset and the text typed after it, while a name is being typed.
    typing: RwSignal<Option<(usize, String)>>,
    /// The people who may be mentioned, once asked for (on the first `@`).
    people: RwSignal<Option<Vec<Mentionable>>>,
    active: RwSignal<usize>,
}

impl Mentions {
    pub fn new(number: i32, textarea: NodeRef<Textarea>, on_text: Callback<String>) -> Self {
        let mentions = Mentions {
            number,
            textarea,
            on_text,
            typing: RwSignal::new(None),
            people: RwSignal::new(None),
            active: RwSignal::new(0),
        };
        // The box's ARIA follows the list, whenever it changes: the names arrive after
        // the `@` was typed.
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| {
            mentions.typing.track();
            mentions.people.track();
            mentions.active.track();
            if let Some(textarea) = mentions.textarea.get_untracked() {
                mentions.describe(&textarea);
            }
        });
        mentions
    }

    fn list_id(self) -> String {
        format!("mentions-{}", self.number)
    }

    fn matches(self) -> Vec<Mentionable> {
        let Some((_, query)) = self.typing.get() else {
            return Vec::new();
        };
        self.people.with(|people| {
            people
                .as_deref()
                .map(|p| offered(p, &query))
                .unwrap_or_default()
        })
    }

    /// The list under the box (nothing while no name is being typed).
    pub fn list(self) -> impl IntoView {
        let id = self.list_id();
        move || {
            let matches = self.matches();
            if matches.is_empty() {
                return None;
            }
            let active = self.active.get().min(matches.len() - 1);
            Some(view! {
                <ul id=id.clone() role="listbox" aria-label="People to mention" data-testid="mention-list"
                    class="absolute left-0 z-30 mt-1 w-72 overflow-hidden rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900">
                    {matches.into_iter().enumerate().map(|(i, person)| {
                        let chosen = person.clone();
                        view! {
                            <li id=format!("{id}-{i}") role="option" aria-selected=(i == active).to_string()
                                data-testid="mention-option"
                                class="cursor-pointer px-3 py-1.5 aria-selected:bg-indigo-600 aria-selected:text-white"
                                on:mousedown=move |event| {
                                    // Keep the focus in the box.
                                    event.prevent_default();
                                    self.choose(&chosen);
                                }>
                                {person.display_name.clone()}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })
        }
    }
}

#[cfg(feature = "hydrate")]
impl Mentions {
    /// After each keystroke or click in the box: is a name being typed?
    pub fn follow(self) {
        let Some(textarea) = self.textarea.get_untracked() else {
            return;
        };
        let text = textarea.value();
        let caret = textarea
            .selection_start()
            .ok()
            .flatten()
            .map(|units| byte_offset(&text, units as usize))
            .unwrap_or(text.len());
        let typing = typed_mention(&text, caret).map(|(at, query)| (at, query.to_string()));
        if typing.is_some() && self.people.with_untracked(Option::is_none) {
            self.people.set(Some(Vec::new()));
            let people = self.people;
            let number = self.number.to_string();
            leptos::task::spawn_local(async move {
                let found = crate::api::notifications::mentionable_people(number).await;
                people.set(Some(found.unwrap_or_default()));
            });
        }
        if typing != self.typing.get_untracked() {
            self.active.set(0);
            self.typing.set(typing);
        }
        self.describe(&textarea);
    }

    /// Keys while the list is open; returns nothing, but takes the keys it uses.
    pub fn keydown(self, event: &leptos::ev::KeyboardEvent) {
        let matches = self.matches_untracked();
        if matches.is_empty() {
            return;
        }
        let last = matches.len() - 1;
        match event.key().as_str() {
            "ArrowDown" => self
                .active
                .update(|a| *a = if *a >= last { 0 } else { *a + 1 }),
            "ArrowUp" => self
                .active
                .update(|a| *a = if *a == 0 { last } else { *a - 1 }),
            "Enter" | "Tab" => {
                let chosen = &matches[self.active.get_untracked().min(last)];
                self.choose(chosen);
            }
            "Escape" => {
                self.typing.set(None);
                // The key closes this list, not a menu or dialog around it.
                event.stop_propagation();
            }
            _ => return,
        }
        event.prevent_default();
        if let Some(textarea) = self.textarea.get_untracked() {
            self.describe(&textarea);
        }
    }

    fn matches_untracked(self) -> Vec<Mentionable> {
        let Some((_, query)) = self.typing.get_untracked() else {
            return Vec::new();
        };
        self.people.with_untracked(|people| {
            people
                .as_deref()
                .map(|p| offered(p, &query))
                .unwrap_or_default()
        })
    }

    /// Writes `person`'s whole name over what was typed after the `@`, tells the box's
    /// owner (the draft store), and puts the caret after the name.
    fn choose(self, person: &Mentionable) {
        let (Some(textarea), Some((at, query))) =
            (self.textarea.get_untracked(), self.typing.get_untracked())
        else {
            return;
        };
        let text = textarea.value();
        let end = (at + 1 + query.len()).min(text.len());
        let (Some(head), Some(tail)) = (text.get(..at), text.get(end..)) else {
            return;
        };
        let head = format!("{head}@{} ", person.display_name);
        let text = format!("{head}{tail}");
        textarea.set_value(&text);
        self.on_text.run(text);
        let caret = head.encode_utf16().count() as u32;
        let _ = textarea.set_selection_range(caret, caret);
        self.typing.set(None);
        self.describe(&textarea);
    }

    /// The box's ARIA: which list it controls and which option is active, while open.
    fn describe(self, textarea: &web_sys::HtmlTextAreaElement) {
        let count = self.matches_untracked().len();
        if count == 0 {
            let _ = textarea.remove_attribute("aria-controls");
            let _ = textarea.remove_attribute("aria-activedescendant");
        } else {
            let id = self.list_id();
            let active = self.active.get_untracked().min(count - 1);
            let _ = textarea.set_attribute("aria-controls", &id);
            let _ = textarea.set_attribute("aria-activedescendant", &format!("{id}-{active}"));
        }
    }
}

#[cfg(not(feature = "hydrate"))]
impl Mentions {
    pub fn follow(self) {}

    pub fn keydown(self, _event: &leptos::ev::KeyboardEvent) {}

    fn choose(self, _person: &Mentionable) {}
}

/// The byte offset of `units` UTF-16 code units into `text` (the browser counts a
/// caret's position in those).
#[cfg(feature = "hydrate")]
fn byte_offset(text: &str, units: usize) -> usize {
    let mut counted = 0;
    for (byte, c) in text.char_indices() {
        if counted >= units {
            return byte;
        }
        counted += c.len_utf16();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_being_typed_is_found_before_the_caret() {
        assert_eq!(typed_mention("hi @ad", 6), Some((3, "ad")));
        assert_eq!(typed_mention("@", 1), Some((0, "")));
        assert_eq!(typed_mention("(@Zoë", "(@Zoë".len()), Some((1, "Zoë")));
        assert_eq!(typed_mention("mail ada@acme", 13), None, "an address");
        assert_eq!(typed_mention("@ada\nnext", 9), None, "another line");
        assert_eq!(typed_mention("no at sign", 5), None);
        assert_eq!(typed_mention("@ada", 99), None, "caret past the end");
    }

    #[test]
    fn names_are_offered_by_any_word_start() {
        let people: Vec<Mentionable> = ["Ada Lovelace", "Emil Berg", "Adam Smith"]
            .into_iter()
            .map(|name| Mentionable {
                id: uuid::Uuid::new_v4(),
                display_name: name.into(),
            })
            .collect();
        let names = |q: &str| -> Vec<String> {
            offered(&people, q)
                .into_iter()
                .map(|p| p.display_name)
                .collect()
        };
        assert_eq!(names("ad"), vec!["Ada Lovelace", "Adam Smith"]);
        assert_eq!(names("BERG"), vec!["Emil Berg"]);
        assert_eq!(names(""), vec!["Ada Lovelace", "Emil Berg", "Adam Smith"]);
        assert!(names("zz").is_empty());
    }
}
