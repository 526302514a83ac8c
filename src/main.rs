//! The `hotspots` binary: glue only. Everything lives in the library.

fn main() -> std::process::ExitCode {
    hotspots::cli::main()
}
