//! The `casework` process. Everything lives in the library so tests can reach it.

fn main() -> std::process::ExitCode {
    casework::cli::run()
}
