//! Login rate limiting: too many failed sign-ins for one account, or from one
//! address, within a window make further attempts wait, with the wait stated.
//!
//! Plain Rust with time passed in, so the rules are tested without clocks.

use std::collections::{HashMap, VecDeque};

/// The rules: at most `per_account` failures per account and `per_address`
/// per client address within `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRules {
    pub window_seconds: u64,
    pub per_account: usize,
    pub per_address: usize,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        ThrottleRules {
            window_seconds: 15 * 60,
            per_account: 5,
            per_address: 20,
        }
    }
}

/// Why an attempt must wait, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub seconds: u64,
    pub scope: WaitScope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitScope {
    Account,
    Address,
}

impl Wait {
    pub fn message(&self) -> String {
        let whose = match self.scope {
            WaitScope::Account => "for this account",
            WaitScope::Address => "from this address",
        };
        format!(
            "Too many failed sign-ins {whose}. Try again in {} s.",
            self.seconds
        )
    }
}

/// Failed attempts, remembered for one window.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    rules: ThrottleRules,
    failures: HashMap<String, VecDeque<u64>>,
}

/// Keys are kept apart so an account named like an address cannot collide.
fn account_key(login: &str) -> String {
    format!("account:{}", login.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// The keys an attempt's failures are counted under: the account's, then
/// the address's.
pub fn keys(login: &str, address: &str) -> [String; 2] {
    [account_key(login), address_key(address)]
}

impl LoginThrottle {
    pub fn new(rules: ThrottleRules) -> Self {
        LoginThrottle {
            rules,
            failures: HashMap::new(),
        }
    }

    /// A throttle that knows the failures recorded elsewhere (the database
    /// every instance shares): `(key, time)` pairs, keys from [`keys`].
    pub fn with_failures(
        rules: ThrottleRules,
        failures: impl IntoIterator<Item = (String, u64)>,
    ) -> Self {
        let mut throttle = LoginThrottle::new(rules);
        for (key, at) in failures {
            throttle.failures.entry(key).or_default().push_back(at);
        }
        for times in throttle.failures.values_mut() {
            times.make_contiguous().sort_unstable();
        }
        throttle
    }

    pub fn rules(&self) -> ThrottleRules {
        self.rules
    }

    /// Whether an attempt may be made now (checked before the password is).
    pub fn check(&mut self, login: &str, address: &str, now: u64) -> Result<(), Wait> {
        let account = self.wait_for(&account_key(login), self.rules.per_account, now);
        let address = self.wait_for(&address_key(address), self.rules.per_address, now);
        // The longer wait if both apply (the account's on a tie: the last maximum wins).
        match address.into_iter().chain(account).max_by_key(|w| w.seconds) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&mut self, login: &str, address: &str, now: u64) {
        if self.failures.len() > 50_000 {
            self.forget_old(now);
        }
        for key in [account_key(login), address_key(address)] {
            self.failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&mut self, login: &str) {
        self.failures.remove(&account_key(login));
    }

    fn wait_for(&mut self, key: &str, limit: usize, now: u64) -> Option<Wait> {
        let window = self.rules.window_seconds;
        let times = self.failures.get_mut(key)?;
        while times.front().is_some_and(|t| t + window <= now) {
            times.pop_front();
        }
        if times.len() < limit {
            return None;
        }
        // The attempt may be made once enough old failures leave the window.
        let oldest_that_must_expire = times[times.len() - limit];
        let seconds = (oldest_that_must_expire + window)
            .saturating_sub(now)
            .max(1);
        let scope = if key.starts_with("account:") {
            WaitScope::Account
        } else {
            WaitScope::Address
        };
        Some(Wait { seconds, scope })
    }

    fn forget_old(&mut self, now: u64) {
        let window = self.rules.window_seconds;
        self.failures
            .retain(|_, times| times.back().is_some_and(|t| t + window > now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(ThrottleRules {
            window_seconds: 600,
            per_account: 3,
            per_address: 5,
        })
    }

    #[test]
    fn an_account_waits_after_its_limit_until_the_oldest_failure_ages_out() {
        let mut t = throttle();
        for at in [100, 110, 120] {
            assert_eq!(t.check("ana", "10.0.0.1", at), Ok(()));
            t.record_failure("ana", "10.0.0.1", at);
        }
        let wait = t.check("Ana", "10.0.0.9", 130).unwrap_err();
        assert_eq!(wait.scope, WaitScope::Account);
        assert_eq!(wait.seconds, 100 + 600 - 130);
        assert_eq!(
            wait.message(),
            "Too many failed sign-ins for this account. Try again in 570 s."
        );
        // Other accounts are unaffected; the account is free once the window passes.
        assert_eq!(t.check("bob", "10.0.0.9", 130), Ok(()));
        assert_eq!(t.check("ana", "10.0.0.9", 700), Ok(()));
    }

    #[test]
    fn an_address_waits_after_failures_across_many_accounts() {
        let mut t = throttle();
        for (i, name) in ["a1", "a2", "a3", "a4", "a5"].iter().enumerate() {
            t.record_failure(name, "192.0.2.7", 1_000 + i as u64);
        }
        let wait = t.check("someone-new", "192.0.2.7", 1_010).unwrap_err();
        assert_eq!(wait.scope, WaitScope::Address);
        assert_eq!(wait.seconds, 590);
        assert!(wait.message().contains("from this address"));
        assert_eq!(t.check("someone-new", "192.0.2.8", 1_010), Ok(()));
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let mut t = throttle();
        for at in 0..3 {
            t.record_failure("ana", "10.0.0.1", at);
        }
        assert!(t.check("ana", "10.0.0.1", 5).is_err());
        t.record_success("ana");
        assert_eq!(t.check("ana", "10.0.0.1", 5), Ok(()));
        for at in 5..7 {
            t.record_failure("bob", "10.0.0.1", at);
        }
        // 3 + 2 failures from the address reach its limit of 5.
        assert_eq!(
            t.check("carol", "10.0.0.1", 8).unwrap_err().scope,
            WaitScope::Address
        );
    }

    #[test]
    fn failures_recorded_elsewhere_count_the_same() {
        let [account, address] = keys("Ana", "10.0.0.1");
        let loaded = LoginThrottle::with_failures(
            throttle().rules(),
            [
                (account.clone(), 120),
                (account.clone(), 100),
                (account, 110),
                (address, 90),
            ],
        )
        .check("ana", "10.0.0.1", 130)
        .unwrap_err();
        assert_eq!(loaded.scope, WaitScope::Account);
        assert_eq!(
            loaded.seconds,
            100 + 600 - 130,
            "the oldest failure, whatever the load order"
        );
    }

    #[test]
    fn the_wait_is_never_zero() {
        let mut t = throttle();
        for _ in 0..3 {
            t.record_failure("ana", "a", 50);
        }
        assert_eq!(t.check("ana", "a", 649).unwrap_err().seconds, 1);
        assert_eq!(t.check("ana", "a", 650), Ok(()));
    }
}
