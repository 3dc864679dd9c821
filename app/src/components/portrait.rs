//! A contractor's photo, or their initials when there is none.

use leptos::prelude::*;

use crate::model::ContractorCard;

/// A contractor's photo at `size` CSS pixels (a square, cropped to fill), from the
/// smallest stored width that is sharp at 2×, or their initials when there is none.
#[component]
pub fn Portrait(card: ContractorCard, size: i32) -> impl IntoView {
    // Classes, not a style attribute: the CSP allows no inline styles.
    let box_class = if size >= 200 {
        "h-60 w-60"
    } else {
        "h-20 w-20"
    };
    match card.photo.clone() {
        Some(photo) => view! {
            <img src=photo.src_for(card.id, size * 2) srcset=photo.srcset(card.id) sizes=format!("{size}px")
                width=size height=size loading="lazy" decoding="async" alt=format!("Photo of {}", card.name)
                class=format!("{box_class} mx-auto rounded-full bg-slate-100 object-cover dark:bg-slate-800")/>
        }.into_any(),
        None => view! {
            <span aria-hidden="true" data-testid="initials"
                class=format!("{box_class} mx-auto flex items-center justify-center rounded-full bg-indigo-100 text-xl font-semibold text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200")>
                {card.initials()}
            </span>
        }.into_any(),
    }
}
