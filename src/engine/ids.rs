//! Seeded generators for every id the fakes invent. With `--seed N` a session's ids repeat from
//! run to run (and after a reset); without it they differ per run.

/// SplitMix64's step: each next state is the last plus this constant.
pub const SPLITMIX_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a state into a well-mixed number. Shared by the id
/// generators and the fault draws (`faults::FaultRng`), which step their state differently.
pub fn splitmix_mix(state: u64) -> u64 {
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A float in `[0, 1)` from 53 random bits.
pub fn unit_of(random: u64) -> f64 {
    (random >> 11) as f64 / (1u64 << 53) as f64
}

/// SplitMix64: tiny, fast and good enough for ids; the `rand` crate would add nothing here.
#[derive(Debug, Clone)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for one family of one session: the same `(seed, session, family)` always
    /// gives the same sequence.
    pub fn for_session(seed: u64, session: &str, family: &str) -> Self {
        let mut h = 0xcbf2_9ce4_8422_2325_u64; // FNV-1a
        for b in session.bytes().chain([0xff]).chain(family.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self::new(seed ^ h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(SPLITMIX_GAMMA);
        splitmix_mix(self.state)
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        match (hi.saturating_sub(lo)).checked_add(1) {
            Some(span) => lo + self.next_u64() % span,
            None => self.next_u64(), // the whole u64 range
        }
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        unit_of(self.next_u64())
    }

    /// A random (version 4) UUID in its hyphenated lower-case form.
    pub fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A string of `len` lower-case hex digits.
    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(len);
        s
    }
}

/// A seed for runs without `--seed`: differs per process and per call.
pub fn entropy_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut g = IdGen::new(nanos ^ u64::from(std::process::id()).rotate_left(32));
    g.next_u64() ^ COUNTER.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_session_and_family_give_the_same_ids() {
        let mut a = IdGen::for_session(7, "s1", "pbx");
        let mut b = IdGen::for_session(7, "s1", "pbx");
        assert_eq!(a.uuid(), b.uuid());
        let mut c = IdGen::for_session(7, "s2", "pbx");
        assert_ne!(a.next_u64(), c.next_u64());
    }

    #[test]
    fn uuids_are_version_4() {
        let u = IdGen::new(1).uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
