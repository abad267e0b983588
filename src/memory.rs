//! Freeing what a run no longer needs.
//!
//! Reading a large monolith builds millions of small allocations (names,
//! paths, per-function facts). Freeing them one by one takes a noticeable
//! share of a run, on a core the rest of the analysis could use. A process
//! about to exit does not need to: the operating system takes the whole
//! address space back at once. The `carve` binary says so at start
//! ([`free_nothing_before_exit`]); code that finishes with a large value
//! hands it to [`discard`], which then keeps it until the process ends.
//! Everywhere else (tests, other callers of the library) `discard` frees
//! at once, as dropping would.

use std::sync::atomic::{AtomicBool, Ordering};

static EXITING_FREES_ALL: AtomicBool = AtomicBool::new(false);

/// Declares that this process exits once its command is done, so large
/// values handed to [`discard`] need not be freed one allocation at a time.
pub fn free_nothing_before_exit() {
    EXITING_FREES_ALL.store(true, Ordering::Relaxed);
}

/// Done with `value`: frees it now, or leaves it to the process's exit
/// after [`free_nothing_before_exit`].
pub fn discard<T>(value: T) {
    if EXITING_FREES_ALL.load(Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    static DROPPED: AtomicUsize = AtomicUsize::new(0);

    struct Counted;

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn discard_frees_at_once_unless_the_process_says_it_exits() {
        // The only test touching the flag: it is process-wide.
        discard(Counted);
        assert_eq!(DROPPED.load(Ordering::Relaxed), 1);
        free_nothing_before_exit();
        discard(Counted);
        assert_eq!(DROPPED.load(Ordering::Relaxed), 1);
        EXITING_FREES_ALL.store(false, Ordering::Relaxed);
    }
}
