//! The comment thread and its composer.
//!
//! The composer keeps its unsent text in the browser (`localStorage`, one draft per
//! case): a reload, a lost connection or a refused post never throws it away, and it
//! is cleared only after the server has accepted the comment. Without JavaScript a
//! refused post comes back with the text in the URL instead.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::escape::textarea_html;
use super::when::When;
use crate::api::case::{DeleteComment, EditComment, PostComment};
use crate::model::{Comment, MAX_COMMENT_CHARS};

#[component]
pub fn CommentThread(
    comments: Vec<Comment>,
    number: i32,
    edit: ServerAction<EditComment>,
    delete: ServerAction<DeleteComment>,
) -> impl IntoView {
    if comments.is_empty() {
        return view! {
            <p data-testid="no-comments" class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
                "No comments yet. Start the conversation below."
            </p>
        }
        .into_any();
    }
    view! {
        <ol class="space-y-4" data-testid="thread">
            {comments.into_iter().map(|comment| view! { <CommentItem comment number edit delete/> }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn CommentItem(
    comment: Comment,
    number: i32,
    edit: ServerAction<EditComment>,
    delete: ServerAction<DeleteComment>,
) -> impl IntoView {
    let initials = comment.initials();
    let id = comment.id;
    view! {
        <li class="flex gap-3" data-testid="comment" data-comment-id=id>
            <span aria-hidden="true" class="flex size-8 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200">{initials}</span>
            <div class="min-w-0 flex-1 rounded-lg border border-slate-200 bg-white px-4 py-2.5 dark:border-slate-800 dark:bg-slate-900">
                <p class="flex flex-wrap items-baseline gap-x-2 text-sm">
                    <span class="font-medium">{comment.author_name.clone()}</span>
                    <span class="text-xs text-slate-500 dark:text-slate-400"><When at=comment.created_at/></span>
                    {comment.edited_at.map(|_| view! { <span class="text-xs text-slate-500 dark:text-slate-400">"(edited)"</span> })}
                </p>
                {if comment.deleted {
                    view! { <p class="mt-1 text-sm italic text-slate-500 dark:text-slate-400">"This comment was deleted."</p> }.into_any()
                } else {
                    view! { <div class="comment-body md mt-1 break-words text-sm" data-testid="comment-body" inner_html=comment.body_html.clone()></div> }.into_any()
                }}
                <div class="mt-1 flex gap-3 text-xs">
                    {comment.can_edit.then(|| {
                        let body = comment.body.clone();
                        view! {
                            <details>
                                <summary class="cursor-pointer text-indigo-700 dark:text-indigo-300">"Edit"</summary>
                                <ActionForm action=edit attr:class="mt-2 space-y-2">
                                    <input type="hidden" name="number" value=number/>
                                    <input type="hidden" name="comment_id" value=id/>
                                    <textarea name="body" rows="3" required maxlength=MAX_COMMENT_CHARS
                                        aria-label="Comment text"
                                        class="w-full rounded-md border border-slate-300 p-2 text-sm dark:border-slate-700 dark:bg-slate-950"
                                        inner_html=textarea_html(&body)></textarea>
                                    <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1 text-xs font-medium text-white">"Save edit"</button>
                                </ActionForm>
                            </details>
                        }
                    })}
                    {comment.can_delete.then(|| view! {
                        <ActionForm action=delete>
                            <input type="hidden" name="number" value=number/>
                            <input type="hidden" name="comment_id" value=id/>
                            <button type="submit" data-testid="delete-comment" class="text-red-700 hover:underline dark:text-red-300">"Delete"</button>
                        </ActionForm>
                    })}
                </div>
            </div>
        </li>
    }
}

/// The composer. `tenant` keys the draft with the case number, so two workspaces open
/// in one browser never share drafts.
#[component]
pub fn Composer(
    number: i32,
    tenant: String,
    post: ServerAction<PostComment>,
    /// A draft handed back by a refused plain-form post.
    returned: Option<String>,
) -> impl IntoView {
    let key = format!("casework.draft.{tenant}.{number}");
    let draft = RwSignal::new(returned.clone().unwrap_or_default());
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let chosen = {
        let key = key.clone();
        Callback::new(move |text: String| {
            storage::write(&key, &text);
            draft.set(text);
        })
    };
    let mentions = super::mentions::Mentions::new(number, textarea, chosen);
    let pending = post.pending();
    #[cfg(feature = "hydrate")]
    {
        let key = key.clone();
        // Restore the saved draft once, after hydrating (the server cannot know it).
        Effect::new(move |_| {
            if draft.get_untracked().is_empty()
                && let Some(saved) = storage::read(&key)
            {
                draft.set(saved);
            }
        });
    }
    // Cleared only once the server has the comment.
    {
        let key = key.clone();
        Effect::watch(
            move || post.value().get(),
            move |outcome, _, _| {
                if let Some(Ok(_)) = outcome {
                    draft.set(String::new());
                    storage::write(&key, "");
                }
            },
            false,
        );
    }
    let error = move || match post.value().get() {
        Some(Err(error)) => Some(error.to_string()),
        _ => None,
    };
    view! {
        <ActionForm action=post attr:data-testid="composer" attr:class="mt-6 space-y-2">
            <input type="hidden" name="number" value=number/>
            <label for="comment-body" class="text-sm font-semibold">"Add a comment"</label>
            <div class="relative">
            <textarea id="comment-body" name="body" rows="4" required maxlength=MAX_COMMENT_CHARS
                data-testid="comment-input" node_ref=textarea aria-autocomplete="list"
                aria-describedby="comment-help"
                placeholder="Write a reply… (**bold**, _italic_, `code`, lists and links work)"
                class="w-full rounded-md border border-slate-300 bg-white p-2.5 text-sm dark:border-slate-700 dark:bg-slate-950"
                prop:value=move || draft.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    storage::write(&key, &text);
                    draft.set(text);
                    mentions.follow();
                }
                on:keydown=move |ev| mentions.keydown(&ev)
                on:click=move |_| mentions.follow()
                inner_html=textarea_html(returned.as_deref().unwrap_or_default())></textarea>
            {mentions.list()}
            </div>
            <p id="comment-help" class="text-xs text-slate-600 dark:text-slate-400">
                "Type @ and a name to notify someone who can open this case."
            </p>
            {move || error().map(|message| view! {
                <p role="alert" data-testid="comment-error" class="text-sm text-red-700 dark:text-red-300">
                    "Not posted — your text is kept. "{message}
                </p>
            })}
            <div class="flex items-center justify-between">
                <span class="text-xs text-slate-500 dark:text-slate-400">{move || draft.with(|d| (!d.is_empty()).then_some("Draft saved in this browser"))}</span>
                <button type="submit" data-testid="post-comment" disabled=move || pending.get()
                    class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60">
                    {move || if pending.get() { "Posting…" } else { "Post comment" }}
                </button>
            </div>
        </ActionForm>
    }
}

/// The draft store: `localStorage`, and nothing on the server.
use super::local_store as storage;
