//! The allocator's parameters, set once at start.
//!
//! The scan builds and drops hundreds of megabytes on worker threads. glibc gives each
//! thread's arena memory by raising its heap a page at a time (one `mprotect` call each)
//! and hands the top of a heap back as soon as it is freed, only to raise it again: an
//! incremental scan of England made 32,800 `mprotect` calls, a tenth of its time.
//! Keeping 64 MB of headroom at the top of each heap (`M_TOP_PAD`) made it 41 calls
//! (BENCHMARKS.md). Memory beyond that is still returned; memory never touched costs
//! nothing.

/// Headroom kept at the top of each heap, grown and trimmed by this much at a time.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: libc::c_int = 64 << 20;

/// Sets the allocator's parameters. Call first, before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    // SAFETY: `mallopt` only sets a parameter of glibc's allocator and is safe to call at
    // any time; it is called once, at start, before other threads exist. A refusal
    // (return value 0) leaves glibc's default, which is correct, only slower.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD);
    }
}

/// Other allocators need no tuning.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
