//! The `casework` process. Everything lives in the library so tests can reach it.

/// jemalloc instead of the system allocator: page rendering makes many short-lived
/// allocations, 32 pages at a time on a few threads. glibc's malloc/free took about a
/// fifth of the server's CPU under that load; of the allocators measured since
/// (mimalloc 2 and 3, jemalloc), jemalloc used the least CPU a page and the least
/// memory (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    casework::cli::run()
}
