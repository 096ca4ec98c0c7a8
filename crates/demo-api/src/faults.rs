//! Failure injection: "the next N requests to this path fail with status S".
//!
//! Set by `POST /api/control/fail`, cleared by `POST /api/control/reset`,
//! consulted by the router before each request's normal handling. The state
//! is shared by all request threads behind a [`Mutex`].

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// One pending injection: the status to answer and how many more times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Injection {
    status: u16,
    remaining: u32,
}

/// The pending injected failures, by exact (decoded) request path.
#[derive(Debug, Default)]
pub struct Faults {
    by_path: Mutex<HashMap<String, Injection>>,
}

impl Faults {
    /// Makes the next `times` requests to `path` answer `status`.
    ///
    /// Replaces any injection already pending for the same path; `times == 0`
    /// removes it.
    pub fn inject(&self, path: &str, status: u16, times: u32) {
        let mut by_path = self.lock();
        if times == 0 {
            by_path.remove(path);
        } else {
            by_path.insert(
                path.to_owned(),
                Injection {
                    status,
                    remaining: times,
                },
            );
        }
    }

    /// Uses up one injected failure for `path`, returning its status, or
    /// `None` when nothing is pending for that path.
    pub fn take(&self, path: &str) -> Option<u16> {
        let mut by_path = self.lock();
        let injection = by_path.get_mut(path)?;
        let status = injection.status;
        injection.remaining = injection.remaining.saturating_sub(1);
        if injection.remaining == 0 {
            by_path.remove(path);
        }
        Some(status)
    }

    /// Clears every pending injection.
    pub fn reset(&self) {
        self.lock().clear();
    }

    /// Locks the map; a panic in another thread cannot leave it
    /// inconsistent, so a poisoned lock is simply used as it is.
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Injection>> {
        self.by_path.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_clears() {
        let faults = Faults::default();
        faults.inject("/api/balance", 503, 2);
        assert_eq!(faults.take("/api/health"), None);
        assert_eq!(faults.take("/api/balance"), Some(503));
        assert_eq!(faults.take("/api/balance"), Some(503));
        assert_eq!(faults.take("/api/balance"), None);
    }

    #[test]
    fn reset_and_replace() {
        let faults = Faults::default();
        faults.inject("/a", 500, 5);
        faults.inject("/a", 502, 1);
        assert_eq!(faults.take("/a"), Some(502));
        assert_eq!(faults.take("/a"), None);
        faults.inject("/b", 500, 3);
        faults.reset();
        assert_eq!(faults.take("/b"), None);
    }
}
