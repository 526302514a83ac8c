//! The gate in front of the public reporting page, which anyone may use and
//! bots will: rate limits per address and overall, and a proof-of-work
//! challenge that a browser solves in a second or two and a spammer pays for
//! on every report.
//!
//! A browser without JavaScript (switched off for safety, an old phone) or
//! without Web Crypto (plain HTTP beyond localhost) cannot do the work. Its
//! form counts instead when it was open for a few seconds, against a small
//! hourly allowance shared by every such form: a bot that skips the work gets
//! that allowance and no more, and a person without JavaScript can still report
//! (turning away the person who took the care to switch scripts off is the
//! worse failure). No third-party service, and no state but what is in memory:
//! challenges are signed by the server (HMAC-SHA-256) and remembered only once
//! spent, until they expire. Addresses are kept only as keyed digests, so not
//! even memory holds who sent a report.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How the gate is set: `hotspots serve --config` keys of the same names.
#[derive(Clone, Copy, Debug)]
pub struct GateSettings {
    /// Reports one address may send per hour (a burst of this many, then one
    /// per `3600 / n` seconds).
    pub per_address_per_hour: u32,
    /// Reports all addresses together may send per minute.
    pub per_minute: u32,
    /// Leading zero bits the proof-of-work hash needs (16: ~65,000 SHA-256
    /// hashes on average, about a second in a browser).
    pub work_bits: u8,
    /// How long a challenge stays valid, seconds.
    pub challenge_secs: i64,
    /// Reports sent without the proof of work that all addresses together
    /// may send per hour (0: the work is required).
    pub unproven_per_hour: u32,
    /// How long a form sent without the proof of work must have been open,
    /// seconds (a person takes longer to fill it in; a script need not).
    pub unproven_wait_secs: i64,
}

/// How a redeemed challenge was paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redeemed {
    /// The browser did the proof of work.
    Worked,
    /// No proof of work: the form was open long enough, within the hourly
    /// allowance for such forms.
    Waited,
}

/// Why the gate refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GateRefusal {
    #[error("too many reports: try again in {0:?}")]
    RateLimited(Duration),
    #[error("the challenge is not one this server issued")]
    Forged,
    #[error("the challenge has expired")]
    Expired,
    #[error("the challenge was used already")]
    Spent,
    #[error("the proof of work does not meet the challenge")]
    Unsolved,
    #[error("sent without the proof of work sooner than a person fills the form in")]
    TooSoon,
}

/// Rate limits and challenges for the public page. Shared by all requests.
pub struct ReportGate {
    settings: GateSettings,
    key: [u8; 32],
    per_address: DefaultKeyedRateLimiter<[u8; 16]>,
    overall: DefaultDirectRateLimiter,
    /// Forms sent without the proof of work, all addresses together (none
    /// when the work is required).
    unproven: Option<DefaultDirectRateLimiter>,
    /// The same forms, by address: a share of the hour's allowance each.
    unproven_per_address: Option<DefaultKeyedRateLimiter<[u8; 16]>>,
    /// Spent challenges with their expiry (unix seconds).
    spent: Mutex<HashMap<String, i64>>,
}

impl ReportGate {
    pub fn new(settings: GateSettings) -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let n = NonZeroU32::new(settings.per_address_per_hour.max(1)).unwrap_or(NonZeroU32::MIN);
        let per_address = Quota::with_period(Duration::from_secs(3600) / n.get())
            .unwrap_or_else(|| Quota::per_hour(n))
            .allow_burst(n);
        let m = NonZeroU32::new(settings.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            settings,
            key,
            per_address: RateLimiter::keyed(per_address),
            overall: RateLimiter::direct(Quota::per_minute(m)),
            unproven: NonZeroU32::new(settings.unproven_per_hour)
                .map(|n| RateLimiter::direct(Quota::per_hour(n))),
            unproven_per_address: NonZeroU32::new(settings.unproven_per_hour)
                .map(|n| RateLimiter::keyed(Quota::per_hour(unproven_share(n)))),
            spent: Mutex::new(HashMap::new()),
        }
    }

    pub fn work_bits(&self) -> u8 {
        self.settings.work_bits
    }

    /// Whether a form may be sent without the proof of work.
    pub fn takes_unproven(&self) -> bool {
        self.unproven.is_some()
    }

    /// Counts one report from `address` against both limits.
    ///
    /// # Errors
    /// [`GateRefusal::RateLimited`] with how long to wait.
    pub fn admit(&self, address: &str) -> Result<(), GateRefusal> {
        self.overall.check().map_err(|n| rate_limited(&n))?;
        self.per_address
            .check_key(&self.address_key(address))
            .map_err(|n| rate_limited(&n))?;
        // Forget addresses whose allowance is whole again.
        if self.per_address.len() > 10_000 {
            self.per_address.retain_recent();
        }
        Ok(())
    }

    /// A keyed digest of an address: enough to count by, not to recover it.
    fn address_key(&self, address: &str) -> [u8; 16] {
        let mut mac = self.mac();
        mac.update(b"address:");
        mac.update(address.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&tag[..16]);
        out
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length; 32 bytes cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }

    fn sign(&self, body: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"challenge:");
        mac.update(body.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new challenge issued at `now` (unix seconds): `issued.random.bits.mac`.
    pub fn challenge(&self, now: i64) -> String {
        let mut random = [0u8; 12];
        OsRng.fill_bytes(&mut random);
        let body = format!("{now}.{}.{}", hex::encode(random), self.settings.work_bits);
        let mac = self.sign(&body);
        format!("{body}.{mac}")
    }

    /// Checks a challenge, solved or (with an empty nonce) waited for, and
    /// spends it.
    ///
    /// # Errors
    /// Why it does not count: forged, expired, spent or unsolved; sent
    /// unsolved too soon, or when this hour's unsolved forms are all used
    /// ([`GateRefusal::RateLimited`], with how long to wait).
    pub fn redeem(
        &self,
        challenge: &str,
        nonce: &str,
        now: i64,
        address: &str,
    ) -> Result<Redeemed, GateRefusal> {
        let (body, mac) = challenge.rsplit_once('.').ok_or(GateRefusal::Forged)?;
        let expected = self.sign(body);
        if !crate::access::constant_time_eq(mac, &expected) {
            return Err(GateRefusal::Forged);
        }
        let mut parts = body.split('.');
        let issued: i64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(GateRefusal::Forged)?;
        let bits: u8 = parts
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or(GateRefusal::Forged)?;
        let expires = issued + self.settings.challenge_secs;
        if now > expires || issued > now + 60 {
            return Err(GateRefusal::Expired);
        }
        let redeemed = match (&self.unproven, nonce) {
            (Some(_), "") if now - issued < self.settings.unproven_wait_secs => {
                return Err(GateRefusal::TooSoon)
            }
            (Some(_), "") => Redeemed::Waited,
            _ if nonce.len() > 32 || leading_zero_bits(challenge, nonce) < u32::from(bits) => {
                return Err(GateRefusal::Unsolved)
            }
            _ => Redeemed::Worked,
        };
        let mut spent = self.spent.lock().map_err(|_| GateRefusal::Spent)?;
        spent.retain(|_, until| *until >= now);
        if spent.contains_key(challenge) {
            return Err(GateRefusal::Spent);
        }
        if let (Redeemed::Waited, Some(unproven), Some(by_address)) =
            (redeemed, &self.unproven, &self.unproven_per_address)
        {
            // The address's share first: a sender refused there has taken
            // nothing from everyone else's allowance.
            by_address
                .check_key(&self.address_key(address))
                .map_err(|n| rate_limited(&n))?;
            unproven.check().map_err(|n| rate_limited(&n))?;
            if by_address.len() > 10_000 {
                by_address.retain_recent();
            }
        }
        spent.insert(challenge.to_owned(), expires);
        Ok(redeemed)
    }
}

/// How many of the hour's forms without the proof of work (`per_hour`) one
/// address may send: a quarter, at least one. The allowance is shared, so a
/// sender at one address (a script, say) could otherwise use it all and
/// leave people without JavaScript waiting; now it takes four.
fn unproven_share(per_hour: NonZeroU32) -> NonZeroU32 {
    NonZeroU32::new(per_hour.get().div_ceil(4)).unwrap_or(NonZeroU32::MIN)
}

/// A limiter's refusal, with how long to wait.
fn rate_limited(n: &governor::NotUntil<governor::clock::QuantaInstant>) -> GateRefusal {
    use governor::clock::Clock as _;
    GateRefusal::RateLimited(n.wait_time_from(governor::clock::DefaultClock::default().now()))
}

/// Leading zero bits of SHA-256(`challenge:nonce`): what the browser's
/// `web/report.js` searches for.
pub fn leading_zero_bits(challenge: &str, nonce: &str) -> u32 {
    let hash = Sha256::new()
        .chain_update(challenge.as_bytes())
        .chain_update(b":")
        .chain_update(nonce.as_bytes())
        .finalize();
    let mut bits = 0;
    for byte in hash {
        if byte == 0 {
            bits += 8;
        } else {
            bits += byte.leading_zeros();
            break;
        }
    }
    bits
}

/// A nonce solving `challenge` (what a browser does; tests and the bench use it).
pub fn solve(challenge: &str) -> String {
    let bits: u32 = challenge
        .split('.')
        .nth(2)
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    (0..u64::MAX)
        .map(|n| n.to_string())
        .find(|n| leading_zero_bits(challenge, n) >= bits)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The address the tests' forms come from.
    const HOME: &str = "192.0.2.1";

    fn gate() -> ReportGate {
        ReportGate::new(GateSettings {
            per_address_per_hour: 3,
            per_minute: 100,
            work_bits: 12,
            challenge_secs: 3600,
            unproven_per_hour: 2,
            unproven_wait_secs: 5,
        })
    }

    #[test]
    fn a_solved_challenge_counts_once() {
        let g = gate();
        let c = g.challenge(1_000);
        let nonce = solve(&c);
        assert!(leading_zero_bits(&c, &nonce) >= 12);
        assert_eq!(g.redeem(&c, &nonce, 1_010, HOME), Ok(Redeemed::Worked));
        assert_eq!(g.redeem(&c, &nonce, 1_020, HOME), Err(GateRefusal::Spent));
    }

    #[test]
    fn unsolved_forged_and_stale_challenges_are_refused() {
        let g = gate();
        let c = g.challenge(1_000);
        let nonce = solve(&c);
        let wrong = (0..u64::MAX)
            .map(|n| n.to_string())
            .find(|n| leading_zero_bits(&c, n) < 12)
            .expect("a nonce that fails");
        assert_eq!(
            g.redeem(&c, &wrong, 1_010, HOME),
            Err(GateRefusal::Unsolved)
        );
        assert_eq!(
            g.redeem(&c, &nonce, 1_000 + 3_601, HOME),
            Err(GateRefusal::Expired)
        );
        // Asking for less work than issued breaks the signature.
        let easier = c.replacen(".12.", ".1.", 1);
        assert_eq!(
            g.redeem(&easier, "0", 1_010, HOME),
            Err(GateRefusal::Forged)
        );
        // Another server's (or a restarted one's) challenge is not ours.
        let other = gate().challenge(1_000);
        assert_eq!(
            g.redeem(&other, &solve(&other), 1_010, HOME),
            Err(GateRefusal::Forged)
        );
        assert_eq!(g.redeem(&c, &nonce, 1_010, HOME), Ok(Redeemed::Worked));
    }

    #[test]
    fn a_form_without_the_work_counts_once_open_long_enough_within_the_hours_allowance() {
        let g = gate();
        let first = g.challenge(1_000);
        assert_eq!(g.redeem(&first, "", 1_004, HOME), Err(GateRefusal::TooSoon));
        // Refused as too soon, the challenge is not spent.
        assert_eq!(g.redeem(&first, "", 1_005, HOME), Ok(Redeemed::Waited));
        assert_eq!(g.redeem(&first, "", 1_006, HOME), Err(GateRefusal::Spent));
        // One address has a quarter of the hour's two (one): its second
        // waits, and has taken nothing from anyone else's.
        let second = g.challenge(1_000);
        assert!(
            matches!(g.redeem(&second, "", 1_010, HOME), Err(GateRefusal::RateLimited(w)) if w > Duration::from_secs(60))
        );
        assert_eq!(
            g.redeem(&second, "", 1_010, "192.0.2.2"),
            Ok(Redeemed::Waited)
        );
        // The hour's two are used: the third waits, however long it was
        // open, from whichever address.
        let third = g.challenge(1_000);
        assert!(
            matches!(g.redeem(&third, "", 1_600, "192.0.2.3"), Err(GateRefusal::RateLimited(w)) if w > Duration::from_secs(60))
        );
        // The work is never held to that allowance, and a refused form's
        // challenge can still be solved.
        assert_eq!(
            g.redeem(&third, &solve(&third), 1_600, HOME),
            Ok(Redeemed::Worked)
        );
        // A forged or stale challenge is no cheaper without the work.
        let stale = g.challenge(1_000);
        assert_eq!(g.redeem(&stale, "", 4_601, HOME), Err(GateRefusal::Expired));
        let other = gate().challenge(1_000);
        assert_eq!(g.redeem(&other, "", 1_010, HOME), Err(GateRefusal::Forged));
        // Where the work is required, an empty nonce is unsolved.
        let strict = ReportGate::new(GateSettings {
            unproven_per_hour: 0,
            ..g.settings
        });
        let c = strict.challenge(1_000);
        assert!(!strict.takes_unproven());
        assert_eq!(
            strict.redeem(&c, "", 1_100, HOME),
            Err(GateRefusal::Unsolved)
        );
    }

    /// A quarter of the hour's forms without the work, rounded up, at least one.
    #[test]
    fn an_address_has_a_quarter_of_the_forms_without_the_work() {
        for (per_hour, share) in [(1, 1), (2, 1), (4, 1), (5, 2), (10, 3), (100, 25)] {
            let n = NonZeroU32::new(per_hour).expect("non-zero");
            assert_eq!(unproven_share(n).get(), share, "{per_hour}");
        }
    }

    #[test]
    fn an_address_gets_its_allowance_then_waits() {
        let g = gate();
        for _ in 0..3 {
            assert_eq!(g.admit("192.0.2.1"), Ok(()));
        }
        assert!(
            matches!(g.admit("192.0.2.1"), Err(GateRefusal::RateLimited(w)) if w > Duration::from_secs(60))
        );
        assert_eq!(
            g.admit("192.0.2.2"),
            Ok(()),
            "another address is not held up"
        );
    }

    #[test]
    fn the_overall_limit_holds_across_addresses() {
        let g = ReportGate::new(GateSettings {
            per_address_per_hour: 100,
            per_minute: 5,
            work_bits: 1,
            challenge_secs: 60,
            unproven_per_hour: 0,
            unproven_wait_secs: 0,
        });
        let admitted = (0..10)
            .filter(|i| g.admit(&format!("198.51.100.{i}")).is_ok())
            .count();
        assert_eq!(admitted, 5);
    }
}
