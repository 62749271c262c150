//! Login rate limiting: a sliding window of *failed* logins per account and per client address,
//! in memory.
//!
//! In memory is enough for one server process (a restart forgets, which only helps a guesser
//! once per restart); several processes behind one balancer would need the counts in the
//! database. Failures, not attempts, are counted so a user who types their password right is
//! never slowed down, and a success clears the account's failures (not the address's: one
//! address guessing many accounts stays limited). The check happens *before* the password is
//! verified, so a limited guesser learns nothing and costs no Argon2 time.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::MultiUserOptions;

/// Failed logins per key (`account:NAME`, `address:IP`) in a sliding window.
pub struct LoginLimiter {
    per_account: usize,
    per_address: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(options: &MultiUserOptions) -> LoginLimiter {
        LoginLimiter {
            per_account: options.login_per_account.max(1),
            per_address: options.login_per_address.max(1),
            window: options.login_window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: &str) -> [(String, bool); 2] {
        [(format!("account:{account}"), true), (format!("address:{address}"), false)]
    }

    /// `Some(wait)` when either the account or the address has used up its failures.
    pub fn check(&self, account: &str, address: &str, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None::<Duration>;
        for (key, is_account) in Self::keys(account, address) {
            let limit = if is_account { self.per_account } else { self.per_address };
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    q.pop_front();
                }
                if q.len() >= limit {
                    let oldest = q[q.len() - limit];
                    let w = self.window.saturating_sub(now.duration_since(oldest)).max(Duration::from_secs(1));
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
        }
        // Forget keys with no recent failures, so the map does not grow without bound.
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        wait
    }

    pub fn failed(&self, account: &str, address: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, _) in Self::keys(account, address) {
            map.entry(key).or_default().push_back(now);
        }
    }

    pub fn succeeded(&self, account: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("account:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let o = MultiUserOptions {
            login_per_account: 2,
            login_per_address: 3,
            login_window: Duration::from_secs(60),
            ..Default::default()
        };
        let l = LoginLimiter::new(&o);
        let t = Instant::now();
        assert!(l.check("ada", "1.2.3.4", t).is_none());
        l.failed("ada", "1.2.3.4", t);
        l.failed("ada", "1.2.3.4", t + Duration::from_secs(10));
        let wait = l.check("ada", "1.2.3.4", t + Duration::from_secs(20)).unwrap();
        assert_eq!(wait, Duration::from_secs(40));
        // Another account from the same address: one more failure allowed, then the address is out.
        assert!(l.check("bob", "1.2.3.4", t + Duration::from_secs(20)).is_none());
        l.failed("bob", "1.2.3.4", t + Duration::from_secs(20));
        assert!(l.check("cy", "1.2.3.4", t + Duration::from_secs(21)).is_some());
        assert!(l.check("cy", "5.6.7.8", t + Duration::from_secs(21)).is_none());
        // The window slides.
        assert!(l.check("ada", "9.9.9.9", t + Duration::from_secs(61)).is_none());
        l.succeeded("bob");
    }
}
