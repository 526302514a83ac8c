//! Who is asking: user names, password hashing, session and API-token secrets,
//! the sign-in throttle, and the gate in front of the public reporting page
//! (rate limits, proof of work). No I/O but the operating system's random numbers;
//! the store keeps accounts, `serve` turns requests into principals. What a role
//! may see is `publish::policy`'s business.

mod credentials;
mod gate;

pub use credentials::{
    constant_time_eq, digest, dummy_hash, generate_password, hash_password, new_secret, random_hex,
    verify_password, AuthError, IssuedToken, Principal, Throttle, UserName, MIN_PASSWORD,
};
pub use gate::{leading_zero_bits, solve, GateRefusal, GateSettings, Redeemed, ReportGate};
