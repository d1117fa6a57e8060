//! The tokens one session has handed out, on that session's virtual clock: an access token
//! and its refresh token are a pair; a refresh or a logout retires the pair, a clock advance
//! past the lifetime expires the access token (the refresh token lives twice as long, so
//! "expired, refresh and retry" works). A reset clears the book.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// A new access token and its refresh token.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

/// Why a token was not accepted; the 401's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
}

impl TokenProblem {
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Unknown => "the token is not valid (unknown, revoked or replaced)",
            TokenProblem::Expired => "the token has expired",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
}

#[derive(Debug, Clone)]
struct Token {
    family: &'static str,
    user: String,
    kind: Kind,
    expires_ms: i64,
    /// The other token of the pair, retired with this one.
    partner: String,
}

/// Most live tokens one session keeps; past it the oldest-expiring are dropped, so a client
/// signing in in a loop cannot grow memory without bound.
const MAX_TOKENS: usize = 10_000;

#[derive(Default)]
pub struct TokenBook {
    tokens: Mutex<HashMap<String, Token>>,
    issued: AtomicU64,
    /// Keyed per process at random, so no two sessions (or runs) hand out the same token.
    hasher: RandomState,
}

impl TokenBook {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Token>> {
        // Nothing here panics while holding the lock; recover a poisoned one anyway.
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn mint(&self, family: &str, kind: &str) -> String {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let a = self.hasher.hash_one((n, kind, 1u8));
        let b = self.hasher.hash_one((n, kind, 2u8));
        format!("{family}-{kind}-{a:016x}{b:016x}")
    }

    pub fn issue(
        &self,
        family: &'static str,
        user: &str,
        now_ms: i64,
        lifetime_secs: u64,
    ) -> TokenPair {
        let access = self.mint(family, "at");
        let refresh = self.mint(family, "rt");
        let life_ms = (lifetime_secs.min(100 * 365 * 86_400) * 1000) as i64;
        let mut book = self.lock();
        if book.len() + 2 > MAX_TOKENS {
            book.retain(|_, t| t.expires_ms > now_ms);
            while book.len() + 2 > MAX_TOKENS {
                let Some(oldest) = book
                    .iter()
                    .min_by_key(|(_, t)| t.expires_ms)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                book.remove(&oldest);
            }
        }
        book.insert(
            access.clone(),
            Token {
                family,
                user: user.to_string(),
                kind: Kind::Access,
                expires_ms: now_ms.saturating_add(life_ms),
                partner: refresh.clone(),
            },
        );
        book.insert(
            refresh.clone(),
            Token {
                family,
                user: user.to_string(),
                kind: Kind::Refresh,
                expires_ms: now_ms.saturating_add(life_ms.saturating_mul(2)),
                partner: access.clone(),
            },
        );
        TokenPair {
            access_token: access,
            refresh_token: refresh,
            expires_in: lifetime_secs,
        }
    }

    /// The user an access token of `family` was issued to.
    pub fn user_of(
        &self,
        family: &str,
        access_token: &str,
        now_ms: i64,
    ) -> Result<String, TokenProblem> {
        let book = self.lock();
        let t = book
            .get(access_token)
            .filter(|t| t.family == family && t.kind == Kind::Access)
            .ok_or(TokenProblem::Unknown)?;
        if now_ms >= t.expires_ms {
            return Err(TokenProblem::Expired);
        }
        Ok(t.user.clone())
    }

    pub fn refresh(
        &self,
        family: &'static str,
        refresh_token: &str,
        now_ms: i64,
        lifetime_secs: u64,
    ) -> Result<TokenPair, TokenProblem> {
        let user = {
            let mut book = self.lock();
            let t = book
                .get(refresh_token)
                .filter(|t| t.family == family && t.kind == Kind::Refresh)
                .cloned()
                .ok_or(TokenProblem::Unknown)?;
            book.remove(refresh_token);
            book.remove(&t.partner);
            if now_ms >= t.expires_ms {
                return Err(TokenProblem::Expired);
            }
            t.user
        };
        Ok(self.issue(family, &user, now_ms, lifetime_secs))
    }

    pub fn revoke(&self, family: &str, access_token: &str) {
        let mut book = self.lock();
        if let Some(t) = book
            .get(access_token)
            .filter(|t| t.family == family)
            .cloned()
        {
            book.remove(access_token);
            book.remove(&t.partner);
        }
    }

    /// Forgets every token (a session reset).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_expires_on_the_clock_and_a_refresh_retires_the_pair() {
        let book = TokenBook::default();
        let p = book.issue("pbx", "admin", 0, 60);
        assert_eq!(
            book.user_of("pbx", &p.access_token, 59_999).unwrap(),
            "admin"
        );
        assert_eq!(
            book.user_of("pbx", &p.access_token, 60_000),
            Err(TokenProblem::Expired)
        );
        assert_eq!(
            book.user_of("fusion", &p.access_token, 0),
            Err(TokenProblem::Unknown)
        );
        let q = book.refresh("pbx", &p.refresh_token, 60_000, 60).unwrap();
        assert_eq!(
            book.user_of("pbx", &p.access_token, 0),
            Err(TokenProblem::Unknown)
        );
        assert!(book.refresh("pbx", &p.refresh_token, 60_000, 60).is_err());
        assert_eq!(
            book.user_of("pbx", &q.access_token, 60_000).unwrap(),
            "admin"
        );
    }

    #[test]
    fn two_books_never_share_a_token() {
        let a = TokenBook::default().issue("fusion", "u", 0, 60);
        let b = TokenBook::default().issue("fusion", "u", 0, 60);
        assert_ne!(a.access_token, b.access_token);
    }
}
