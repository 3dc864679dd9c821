//! The `casework` process. Everything lives in the library so tests can reach it.

/// mimalloc instead of the system allocator: page rendering makes many short-lived
/// allocations, and glibc's malloc/free took about a fifth of the server's CPU under
/// load (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    casework::cli::run()
}
