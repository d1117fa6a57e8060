//! Delays: a fixed wait, a uniform range or a log-normal spread (the shape real network
//! latency has: most answers near the median, a long slow tail). Every sample is capped at
//! [`MAX_DELAY_MS`] so a typo never hangs a test suite.

use crate::engine::ids::{SPLITMIX_GAMMA, splitmix_mix, unit_of};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The longest delay anything may ask for: 60 s.
pub const MAX_DELAY_MS: u64 = 60_000;

/// A delay as written in a rule, a scenario's `settings.delay` or a `Prefer: delay=` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DelaySpec {
    #[serde(rename = "fixed_ms")]
    Fixed(u64),
    Uniform {
        lower_ms: u64,
        upper_ms: u64,
    },
    Lognormal {
        median_ms: f64,
        sigma: f64,
    },
}

// The serde form is externally tagged: exactly one key, `{"fixed_ms": 500}`,
// `{"uniform": {...}}` or `{"lognormal": {...}}`.
impl DelaySpec {
    /// Every problem with the numbers, as `(pointer suffix, message)`.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let max = MAX_DELAY_MS;
        match self {
            DelaySpec::Fixed(ms) if *ms > max => out.push((
                "/fixed_ms".into(),
                format!("must be at most {max} ms, got {ms}"),
            )),
            DelaySpec::Fixed(_) => {}
            DelaySpec::Uniform { lower_ms, upper_ms } => {
                if upper_ms > &max {
                    out.push((
                        "/uniform/upper_ms".into(),
                        format!("must be at most {max} ms, got {upper_ms}"),
                    ));
                }
                if lower_ms > upper_ms {
                    out.push((
                        "/uniform/lower_ms".into(),
                        format!("must not exceed upper_ms ({upper_ms}), got {lower_ms}"),
                    ));
                }
            }
            DelaySpec::Lognormal { median_ms, sigma } => {
                if !(median_ms.is_finite() && *median_ms > 0.0 && *median_ms <= max as f64) {
                    out.push((
                        "/lognormal/median_ms".into(),
                        format!("must be a number in (0, {max}], got {median_ms}"),
                    ));
                }
                if !(sigma.is_finite() && *sigma >= 0.0 && *sigma <= 10.0) {
                    out.push((
                        "/lognormal/sigma".into(),
                        format!("must be a number in [0, 10], got {sigma}"),
                    ));
                }
            }
        }
        out
    }

    /// One delay drawn from this distribution, capped at [`MAX_DELAY_MS`].
    pub fn sample(&self, rng: &FaultRng) -> Duration {
        let ms = match self {
            DelaySpec::Fixed(ms) => *ms as f64,
            DelaySpec::Uniform { lower_ms, upper_ms } => {
                *lower_ms as f64 + rng.unit() * (upper_ms - lower_ms) as f64
            }
            DelaySpec::Lognormal { median_ms, sigma } => median_ms * (sigma * rng.normal()).exp(),
        };
        Duration::from_secs_f64(ms.clamp(0.0, MAX_DELAY_MS as f64) / 1000.0)
    }
}

/// A session's random source for probabilities, delays and garbage bytes: SplitMix64 on an
/// atomic counter, so concurrent requests draw without a lock and a run with the same `--seed`
/// and the same request order draws the same numbers.
#[derive(Debug)]
pub struct FaultRng {
    seed: u64,
    state: AtomicU64,
}

impl FaultRng {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            state: AtomicU64::new(seed),
        }
    }

    /// Back to the first number (a session reset).
    pub fn reset(&self) {
        self.state.store(self.seed, Ordering::Relaxed);
    }

    /// SplitMix64 like the id generators, with an atomic state so concurrent requests of one
    /// session draw without a lock.
    pub fn next_u64(&self) -> u64 {
        let state = self
            .state
            .fetch_add(SPLITMIX_GAMMA, Ordering::Relaxed)
            .wrapping_add(SPLITMIX_GAMMA);
        splitmix_mix(state)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&self) -> f64 {
        unit_of(self.next_u64())
    }

    /// A standard normal sample (Box–Muller).
    pub fn normal(&self) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]: ln never sees 0
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_samples_stay_inside_their_bounds() {
        let rng = FaultRng::new(1);
        let d = DelaySpec::Uniform {
            lower_ms: 10,
            upper_ms: 20,
        };
        for _ in 0..1000 {
            let ms = d.sample(&rng).as_secs_f64() * 1000.0;
            assert!((10.0..=20.0).contains(&ms), "{ms}");
        }
    }

    #[test]
    fn lognormal_samples_centre_on_the_median() {
        let rng = FaultRng::new(7);
        let d = DelaySpec::Lognormal {
            median_ms: 80.0,
            sigma: 0.4,
        };
        let mut v: Vec<f64> = (0..2001)
            .map(|_| d.sample(&rng).as_secs_f64() * 1000.0)
            .collect();
        v.sort_by(f64::total_cmp);
        let median = v[1000];
        assert!((70.0..90.0).contains(&median), "median {median}");
    }

    #[test]
    fn the_same_seed_draws_the_same_numbers_and_reset_starts_over() {
        let a = FaultRng::new(42);
        let b = FaultRng::new(42);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        a.reset();
        assert_eq!(first[0], a.next_u64());
    }

    #[test]
    fn delays_past_the_cap_are_refused() {
        assert_eq!(DelaySpec::Fixed(60_001).problems().len(), 1);
        assert!(DelaySpec::Fixed(60_000).problems().is_empty());
        let bad = DelaySpec::Uniform {
            lower_ms: 50,
            upper_ms: 10,
        };
        assert_eq!(bad.problems()[0].0, "/uniform/lower_ms");
    }
}
