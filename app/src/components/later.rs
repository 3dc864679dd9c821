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
//! What the children are made from must be read outside them: a signal read while they
//! are made (later, in their own task) has no re-render listening for it.
//!
//! The children must take no hydration id: no resource, `Suspense`, `Transition` or
//! `ErrorBoundary` (the server numbers those in page order, and these are made after
//! the rest of the page). A part that does logs an error, which the browser tests fail
//! on. A `<Later>` the client renders itself (a client-side navigation, a branch that
//! changes) builds its children at once, and a re-rendered one updates them in place.

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
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::*;
    use leptos::tachys::html::attribute::Attribute;
    use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
    use leptos::tachys::hydration::Cursor;
    use leptos::tachys::renderer::Rndr;
    use leptos::tachys::renderer::types::{Element, Node};
    use leptos::tachys::view::add_attr::AddAnyAttr;
    use leptos::tachys::view::any_view::AnyViewState;
    use leptos::tachys::view::{Mountable, Position, PositionState, Render, RenderHtml};
    use wasm_bindgen::JsCast;

    type Job = Box<dyn FnOnce()>;

    thread_local! {
        /// The deferred parts of the page being hydrated, in the server's order.
        static QUEUE: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
        /// Set once the queue has been worked through: a part hydrated after that (in
        /// a deferred part) gets a task of its own at once.
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

    /// The number the next hydration id would carry (its type keeps it private; it
    /// serialises as the bare number).
    fn id_number() -> Option<u64> {
        Owner::current_shared_context()
            .and_then(|sc| serde_json::to_string(&sc.next_id()).ok())
            .and_then(|n| n.parse().ok())
    }

    pub fn later(class: Option<&'static str>, children: Children) -> impl IntoView {
        Deferred {
            class,
            children,
            owner: Owner::current(),
        }
    }

    /// The view: a `<div>` whose children are built at once when the client renders
    /// it, and made and hydrated in a task of their own when it hydrates the server's.
    /// Rebuilt (its parent re-rendered), it updates its children in place, as they
    /// would be without it: a form keeps what was typed and ticked.
    struct Deferred {
        class: Option<&'static str>,
        children: Children,
        owner: Option<Owner>,
    }

    struct DeferredState {
        el: Element,
        /// The children's state, once made (hydrated, built or rebuilt).
        inner: Rc<RefCell<Option<AnyViewState>>>,
    }

    impl Render for Deferred {
        type State = DeferredState;

        fn build(self) -> DeferredState {
            let el = Rndr::create_element("div", None);
            if let Some(class) = self.class {
                Rndr::set_attribute(&el, "class", class);
            }
            let mut inner = (self.children)().build();
            inner.mount(&el, None);
            DeferredState {
                el,
                inner: Rc::new(RefCell::new(Some(inner))),
            }
        }

        fn rebuild(self, state: &mut DeferredState) {
            let view = (self.children)();
            let mut slot = state.inner.borrow_mut();
            match slot.as_mut() {
                Some(inner) => view.rebuild(inner),
                None => {
                    // Re-rendered before its turn came: the server's nodes make way for
                    // the new children, and the queued hydration finds the slot taken.
                    state.el.set_inner_html("");
                    let mut built = view.build();
                    built.mount(&state.el, None);
                    *slot = Some(built);
                }
            }
        }
    }

    impl AddAnyAttr for Deferred {
        type Output<SomeNewAttr: Attribute> = Deferred;

        fn add_any_attr<NewAttr: Attribute>(self, _attr: NewAttr) -> Self::Output<NewAttr> {
            self
        }
    }

    impl RenderHtml for Deferred {
        type AsyncOutput = Self;
        type Owned = Self;
        const MIN_LENGTH: usize = 0;

        fn dry_resolve(&mut self) {}

        async fn resolve(self) -> Self {
            self
        }

        fn to_html_with_buf(
            self,
            buf: &mut String,
            position: &mut Position,
            escape: bool,
            mark_branches: bool,
            extra_attrs: Vec<AnyAttribute>,
        ) {
            // The server writes these with its own `later`; this is only for
            // completeness (a browser build rendering to a string).
            view! { <div class=self.class>{(self.children)()}</div> }.to_html_with_buf(
                buf,
                position,
                escape,
                mark_branches,
                extra_attrs,
            )
        }

        fn hydrate<const FROM_SERVER: bool>(
            self,
            cursor: &Cursor,
            position: &PositionState,
        ) -> DeferredState {
            // Claim the wrapper as an element without children would, and leave them.
            match position.get() {
                Position::FirstChild => cursor.child(),
                Position::Current => {}
                _ => cursor.sibling(),
            }
            let el: Element = cursor.current().unchecked_into();
            cursor.set(el.clone().unchecked_into::<Node>());
            position.set(Position::NextChild);

            let inner = Rc::new(RefCell::new(None));
            let slot = Rc::downgrade(&inner);
            let Deferred {
                children, owner, ..
            } = self;
            let root = el.clone();
            enqueue(Box::new(move || {
                // Gone (navigated away), or already rebuilt: nothing to hydrate.
                let Some(slot) = slot.upgrade() else {
                    return;
                };
                if slot.borrow().is_some() {
                    return;
                }
                let attach = move || {
                    let before = id_number();
                    let state = children().hydrate::<FROM_SERVER>(
                        &Cursor::new(root),
                        &PositionState::new(Position::FirstChild),
                    );
                    // Hydration ids follow the server's order, and these children were
                    // made after the rest of the page: one that took an id (a resource,
                    // a Suspense) would be handed another's data. Loud, so tests see it.
                    let after = id_number();
                    if before.map(|n| n + 1) != after {
                        leptos::logging::error!(
                            "<Later> children took hydration ids ({before:?} → {after:?}): keep resources and Suspense out of them"
                        );
                    }
                    state
                };
                let state = match owner {
                    Some(owner) => owner.with(attach),
                    None => attach(),
                };
                *slot.borrow_mut() = Some(state);
            }));
            DeferredState { el, inner }
        }

        fn into_owned(self) -> Self {
            self
        }
    }

    impl Mountable for DeferredState {
        fn unmount(&mut self) {
            self.el.remove();
        }

        fn mount(&mut self, parent: &Element, marker: Option<&Node>) {
            Rndr::insert_node(parent, &self.el, marker);
        }

        fn insert_before_this(&self, child: &mut dyn Mountable) -> bool {
            match self.el.parent_element() {
                Some(parent) => {
                    child.mount(&parent, Some(self.el.as_ref()));
                    true
                }
                None => false,
            }
        }

        fn elements(&self) -> Vec<Element> {
            vec![self.el.clone()]
        }
    }
}
