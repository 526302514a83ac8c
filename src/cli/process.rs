//! Settings of the process itself, for commands whose work is short-lived.

/// Makes the rest of this process fault its memory in 4 KiB pages, never in
/// transparent huge pages.
///
/// mimalloc asks the kernel for huge pages over its whole arena (`madvise`),
/// and with the kernel's usual `defrag = madvise` a first touch in such a
/// region may compact memory to find 2 MiB and then zeroes all of it, while
/// the thread waits. A load's memory (the key index, DuckDB's row groups,
/// the batches in flight) lives for a second or two: too short for fewer TLB
/// misses to repay that (bench/README.md has the figures). Nothing else
/// changes: memory is still there when asked for, a page at a time.
pub(super) fn small_pages_only() {
    // `prctl(PR_SET_THP_DISABLE)`: a flag on the process (all its threads
    // and its children), read by the kernel at each page fault. Not worth
    // failing a load over: a kernel without it keeps huge pages.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The kernel then reports huge pages off for the process (this test's:
    /// no other test here minds small pages).
    #[test]
    fn small_pages_only_turns_transparent_huge_pages_off() {
        let thp_enabled = || {
            std::fs::read_to_string("/proc/self/status")
                .expect("status")
                .lines()
                .find_map(|l| l.strip_prefix("THP_enabled:").map(|v| v.trim().to_owned()))
        };
        // Kernels before 6.1 do not report it; nothing to check there.
        if thp_enabled().is_none() {
            return;
        }
        super::small_pages_only();
        assert_eq!(thp_enabled().as_deref(), Some("0"));
    }
}
