//! Login rate limiting. Failed sign-ins are counted three ways within a
//! window:
//!
//! - for one account from one address: past its limit, that address waits
//!   before trying that account again, with the wait stated;
//! - from one address, whatever the accounts: past its limit, the address
//!   waits;
//! - for one account from anywhere: past its threshold, every attempt on
//!   the account is slowed by a few seconds (growing, capped), never
//!   refused. So whoever fails from one address cannot lock the account's
//!   owner out: the right password from another address still signs in.
//!
//! Plain Rust with time passed in, so the rules are tested without clocks.

use std::collections::{HashMap, VecDeque};

/// The rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRules {
    pub window_seconds: u64,
    /// Failures for one account from one address before that address waits
    /// to try that account again.
    pub per_account_address: usize,
    /// Failures from one address, over all accounts, before it waits.
    pub per_address: usize,
    /// Failures for one account, from anywhere, after which each attempt
    /// on it is slowed.
    pub account_slow_after: usize,
    /// The longest an attempt is slowed, in seconds.
    pub max_slowdown_seconds: u64,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        ThrottleRules {
            window_seconds: 15 * 60,
            per_account_address: 5,
            per_address: 20,
            account_slow_after: 10,
            max_slowdown_seconds: 10,
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
    /// This account, from this address.
    AccountFromAddress,
    /// Any account, from this address.
    Address,
}

impl Wait {
    pub fn message(&self) -> String {
        let whose = match self.scope {
            WaitScope::AccountFromAddress => "for this account from this address",
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

/// Keys are kept apart by their prefix so an account named like an address
/// cannot collide; in a pair the address comes first, as it has no spaces.
fn account_key(login: &str) -> String {
    format!("account:{}", normal(login))
}

fn pair_key(login: &str, address: &str) -> String {
    format!("pair:{address} {}", normal(login))
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

fn normal(login: &str) -> String {
    login.trim().to_lowercase()
}

/// The keys an attempt's failures are counted under: the account's, the
/// account-from-this-address's, and the address's.
pub fn keys(login: &str, address: &str) -> [String; 3] {
    [
        account_key(login),
        pair_key(login, address),
        address_key(address),
    ]
}

/// The keys a successful sign-in clears: the account's (its owner is in,
/// so the slowdown ends) and the pair's. Other addresses' failures for the
/// account stay, so an address that was guessing still waits.
pub fn keys_cleared_by_success(login: &str, address: &str) -> [String; 2] {
    [account_key(login), pair_key(login, address)]
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

    /// Whether an attempt may be made now (checked before the password is):
    /// `Ok` with the seconds to hold it before its password is checked
    /// (0 unless the account is slowed), or the wait before trying again.
    pub fn check(&mut self, login: &str, address: &str, now: u64) -> Result<u64, Wait> {
        let pair = self
            .wait_for(
                &pair_key(login, address),
                self.rules.per_account_address,
                now,
            )
            .map(|seconds| Wait {
                seconds,
                scope: WaitScope::AccountFromAddress,
            });
        let from_address = self
            .wait_for(&address_key(address), self.rules.per_address, now)
            .map(|seconds| Wait {
                seconds,
                scope: WaitScope::Address,
            });
        // The longer wait if both apply (the pair's on a tie: the last maximum wins).
        if let Some(wait) = from_address
            .into_iter()
            .chain(pair)
            .max_by_key(|w| w.seconds)
        {
            return Err(wait);
        }
        Ok(self.slowdown(login, now))
    }

    /// How long an attempt on `login` is held: nothing below the threshold,
    /// then 1 s doubling with each further failure, at most the cap. It never
    /// refuses, so the account's owner always gets in.
    fn slowdown(&mut self, login: &str, now: u64) -> u64 {
        let failures = self.recent(&account_key(login), now).map_or(0, |t| t.len());
        let Some(beyond) = failures.checked_sub(self.rules.account_slow_after) else {
            return 0;
        };
        let doublings = u32::try_from(beyond).unwrap_or(u32::MAX).min(32);
        (1u64 << doublings).min(self.rules.max_slowdown_seconds)
    }

    pub fn record_failure(&mut self, login: &str, address: &str, now: u64) {
        if self.failures.len() > 50_000 {
            self.forget_old(now);
        }
        for key in keys(login, address) {
            self.failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears [`keys_cleared_by_success`].
    pub fn record_success(&mut self, login: &str, address: &str) {
        for key in keys_cleared_by_success(login, address) {
            self.failures.remove(&key);
        }
    }

    /// The failures under `key` still inside the window, oldest first.
    fn recent(&mut self, key: &str, now: u64) -> Option<&VecDeque<u64>> {
        let window = self.rules.window_seconds;
        let times = self.failures.get_mut(key)?;
        while times.front().is_some_and(|t| t + window <= now) {
            times.pop_front();
        }
        Some(times)
    }

    /// Seconds until another attempt under `key` may be made, if it is at
    /// its `limit`.
    fn wait_for(&mut self, key: &str, limit: usize, now: u64) -> Option<u64> {
        let window = self.rules.window_seconds;
        let times = self.recent(key, now)?;
        if times.len() < limit {
            return None;
        }
        // The attempt may be made once enough old failures leave the window.
        let oldest_that_must_expire = times[times.len() - limit];
        Some(
            (oldest_that_must_expire + window)
                .saturating_sub(now)
                .max(1),
        )
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
            per_account_address: 3,
            per_address: 5,
            account_slow_after: 4,
            max_slowdown_seconds: 10,
        })
    }

    #[test]
    fn an_address_waits_for_an_account_after_its_limit_until_the_oldest_failure_ages_out() {
        let mut t = throttle();
        for at in [100, 110, 120] {
            assert_eq!(t.check("ana", "10.0.0.1", at), Ok(0));
            t.record_failure("ana", "10.0.0.1", at);
        }
        let wait = t.check("Ana", "10.0.0.1", 130).unwrap_err();
        assert_eq!(wait.scope, WaitScope::AccountFromAddress);
        assert_eq!(wait.seconds, 100 + 600 - 130);
        assert_eq!(
            wait.message(),
            "Too many failed sign-ins for this account from this address. Try again in 570 s."
        );
        // Other accounts from the address, and the account from elsewhere,
        // are not held up; the pair is free once the window passes.
        assert_eq!(t.check("bob", "10.0.0.1", 130), Ok(0));
        assert_eq!(t.check("ana", "10.0.0.9", 130), Ok(0));
        assert_eq!(t.check("ana", "10.0.0.1", 700), Ok(0));
    }

    #[test]
    fn failures_from_one_address_never_lock_the_account_for_another() {
        let mut t = throttle();
        // Far more failures than any limit, spread over many addresses so
        // that none of them waits for its own sake.
        for i in 0..40u64 {
            let address = format!("192.0.2.{}", i / 2);
            t.record_failure("ana", &address, 1_000 + i);
        }
        for i in 0..40u64 {
            let address = format!("192.0.2.{}", i / 2);
            assert!(t.check("ana", &address, 1_100).is_ok(), "{address}");
        }
        // The account is slowed, at most by the cap, and never refused.
        assert_eq!(t.check("ana", "198.51.100.1", 1_100), Ok(10));
        // Its owner signs in: the slowdown ends; addresses that were
        // guessing keep their own failures.
        t.record_success("ana", "198.51.100.1");
        assert_eq!(t.check("ana", "198.51.100.1", 1_101), Ok(0));
        t.record_failure("ana", "203.0.113.1", 1_102);
        t.record_failure("ana", "203.0.113.1", 1_103);
        t.record_failure("ana", "203.0.113.1", 1_104);
        t.record_success("ana", "198.51.100.1");
        assert_eq!(
            t.check("ana", "203.0.113.1", 1_105).unwrap_err().scope,
            WaitScope::AccountFromAddress
        );
    }

    #[test]
    fn the_slowdown_grows_with_the_accounts_failures_and_is_capped() {
        let mut t = throttle();
        let mut delays = Vec::new();
        for i in 0..10u64 {
            delays.push(t.check("ana", "198.51.100.1", 500).unwrap());
            // Each failure from its own address: only the account's count grows.
            t.record_failure("ana", &format!("203.0.113.{i}"), 400 + i);
        }
        assert_eq!(delays, [0, 0, 0, 0, 1, 2, 4, 8, 10, 10]);
        // Once the failures leave the window, the account is not slowed.
        assert_eq!(t.check("ana", "198.51.100.1", 1_010), Ok(0));
        // Other accounts never were.
        assert_eq!(t.check("bob", "198.51.100.1", 500), Ok(0));
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
        assert_eq!(
            wait.message(),
            "Too many failed sign-ins from this address. Try again in 590 s."
        );
        assert_eq!(t.check("someone-new", "192.0.2.8", 1_010), Ok(0));
    }

    #[test]
    fn success_clears_the_pair_and_the_account_but_not_the_address() {
        let mut t = throttle();
        for at in 0..3 {
            t.record_failure("ana", "10.0.0.1", at);
        }
        assert!(t.check("ana", "10.0.0.1", 5).is_err());
        t.record_success("ana", "10.0.0.1");
        assert_eq!(t.check("ana", "10.0.0.1", 5), Ok(0));
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
        let [account, pair, address] = keys("Ana", "10.0.0.1");
        assert_eq!(
            [account.as_str(), pair.as_str(), address.as_str()],
            ["account:ana", "pair:10.0.0.1 ana", "address:10.0.0.1"]
        );
        let loaded = LoginThrottle::with_failures(
            throttle().rules(),
            [
                (pair.clone(), 120),
                (pair.clone(), 100),
                (pair, 110),
                (account, 110),
                (address, 90),
            ],
        )
        .check("ana", "10.0.0.1", 130)
        .unwrap_err();
        assert_eq!(loaded.scope, WaitScope::AccountFromAddress);
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
        assert_eq!(t.check("ana", "a", 650), Ok(0));
    }
}
