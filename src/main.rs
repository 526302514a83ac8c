//! The `hotspots` binary: glue only. Everything lives in the library.

// glibc's allocator serialises the ingest threads on its arena locks (rows are
// allocated on the parsing thread and freed on the staging one); mimalloc's
// per-thread heaps do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hotspots::cli::main()
}
