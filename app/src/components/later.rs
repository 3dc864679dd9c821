//! Making and hydrating a part of the page in a task of its own.
//!
//! Hydration is one synchronous pass over the server's HTML, and on a slow phone most of
//! it is V8 compiling, on first call, each WebAssembly function the view runs — about a
//! thousand per page (bench/RESULTS.md, "Where Lighthouse's score went"). A page of
//! 250 ms in one task blocks a tap for that long; the same work in tasks under 50 ms
//! blocks nothing. `<Later>` cuts the pass: the server writes the children as usual; the
//! first pass only claims the wrapping element; once the page is hydrated, each deferred
//! part is made and hydrated in a task of its own, with the owner it was placed under
//! (the same context, cleaned up with it). The page works before that — it works
//! without JavaScript at all — and `data-hydrated` waits for every part
//! ([`after_hydrated`]).
//!
//! The children must take no hydration id: no resource, `Suspense`, `Transition` or
//! `ErrorBoundary` (the server numbers those in page order, and these are made after
//! the rest of the page). A part that does logs an error, which the browser tests fail
//! on. A `<Later>` made after hydrating (a client-side navigation, a branch that
//! changes) renders its children at once.

use leptos::prelude::*;

/// The children, inside a `<div class=…>`, made and hydrated in a task of their own.
#[component]
pub fn Later(
    /// Classes of the wrapping `<div>` (it is a real element of the layout).
    #[prop(optional, into)]
    class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    imp::later(class, children)
}

/// Called once the page is hydrated: works through the parts `<Later>` deferred, one
/// task each, then runs `then` (the browser entry marks the document hydrated there).
pub fn after_hydrated(then: impl FnOnce() + 'static) {
    imp::after_hydrated(then)
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use leptos::prelude::*;

    pub fn later(class: Option<&'static str>, children: Children) -> impl IntoView {
        view! { <div class=class>{children()}</div> }
    }

    pub fn after_hydrated(then: impl FnOnce() + 'static) {
        then()
    }
}

#[cfg(feature = "hydrate")]
mod imp {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;
    use std::time::Duration;

    use leptos::either::Either;
    use leptos::prelude::*;
    use leptos::tachys::hydration::Cursor;
    use leptos::tachys::view::any_view::AnyViewState;
    use leptos::tachys::view::{Mountable, Position, PositionState, Render, RenderHtml};

    type Job = Box<dyn FnOnce()>;

    thread_local! {
        /// The deferred parts of the page being hydrated, in the server's order.
        static QUEUE: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
        /// Set once the queue has been worked through: a part that asks later (one
        /// built by the client while hydrating) gets a task of its own at once.
        static DRAINED: Cell<bool> = const { Cell::new(false) };
    }

    pub fn after_hydrated(then: impl FnOnce() + 'static) {
        set_timeout(move || next(Box::new(then)), Duration::ZERO);
    }

    /// Runs one deferred part, then yields to the browser before the next.
    fn next(then: Job) {
        match QUEUE.with(|q| q.borrow_mut().pop_front()) {
            Some(job) => {
                job();
                set_timeout(move || next(then), Duration::ZERO);
            }
            None => {
                DRAINED.with(|d| d.set(true));
                then();
            }
        }
    }

    fn enqueue(job: Job) {
        if DRAINED.with(Cell::get) {
            set_timeout(job, Duration::ZERO);
        } else {
            QUEUE.with(|q| q.borrow_mut().push_back(job));
        }
    }

    /// The number a hydration id carries (its type keeps it private; it serialises
    /// as the bare number).
    fn id_number() -> Option<String> {
        Owner::current_shared_context().and_then(|sc| serde_json::to_string(&sc.next_id()).ok())
    }

    pub fn later(class: Option<&'static str>, children: Children) -> impl IntoView {
        let hydrating = Owner::current_shared_context().is_some_and(|sc| sc.during_hydration());
        if !hydrating {
            return Either::Left(view! { <div class=class>{children()}</div> });
        }
        let owner = Owner::current();
        let state = StoredValue::new_local(None::<AnyViewState>);
        let wrapper = NodeRef::<leptos::html::Div>::new();
        enqueue(Box::new(move || {
            // Gone before its turn (navigated away), or never placed: nothing to do.
            if state.is_disposed() {
                return;
            }
            let Some(div) = wrapper.get_untracked() else {
                return;
            };
            let el: leptos::web_sys::Element = div.into();
            let attach = move || {
                let before = id_number();
                let view = children();
                // The server's children are there to hydrate; an empty wrapper (this
                // branch built by the client while hydrating) gets them built.
                let attached = if el.has_child_nodes() {
                    view.hydrate::<true>(
                        &Cursor::new(el),
                        &PositionState::new(Position::FirstChild),
                    )
                } else {
                    let mut built = view.build();
                    built.mount(&el, None);
                    built
                };
                let after = id_number();
                // Hydration ids follow the server's order, and these children were made
                // after the rest of the page: one that took an id (a resource, a
                // Suspense) would have been handed another's data. Loud, so tests see it.
                if before
                    .as_deref()
                    .and_then(|n| n.parse::<u64>().ok())
                    .map(|n| n + 1)
                    != after.as_deref().and_then(|n| n.parse::<u64>().ok())
                {
                    leptos::logging::error!(
                        "<Later> children took hydration ids ({before:?} → {after:?}): keep resources and Suspense out of them"
                    );
                }
                attached
            };
            let attached = match owner {
                Some(owner) => owner.with(attach),
                None => attach(),
            };
            // Kept as long as the component is; dropped with it otherwise.
            let _ = state.try_set_value(Some(attached));
        }));
        Either::Right(view! { <div class=class node_ref=wrapper></div> })
    }
}
