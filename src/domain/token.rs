use std::fmt;

use sha2::{Digest, Sha256};

use super::FieldError;
use super::text::bounded_text;

const PREFIX: &str = "engfeed_";

/// A bearer token as handed to its owner once: `engfeed_` and 64 hex digits (256 random bits).
/// Never stored or logged; only its [`TokenHash`] is.
pub struct ApiToken(String);

impl ApiToken {
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self(format!("{PREFIX}{hex}")))
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// SHA-256 of a presented token. Looking a token up by its hash means the secret itself is
/// never compared byte by byte, so response times say nothing about how close a guess was.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn of(presented: &str) -> Self {
        Self(Sha256::digest(presented.as_bytes()).into())
    }
}

/// What a token is called in `engfeed token list`: 1 to 100 characters.
pub fn parse_token_name(name: &str) -> Result<String, FieldError> {
    bounded_text("name", name, 1, 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hidden_in_debug() {
        let a = ApiToken::generate().unwrap();
        let b = ApiToken::generate().unwrap();
        assert!(a.expose().starts_with("engfeed_"));
        assert_eq!(a.expose().len(), 8 + 64);
        assert!(a.hash() != b.hash());
        assert!(TokenHash::of(a.expose()) == a.hash());
        assert_eq!(format!("{a:?}"), "ApiToken(***)");
    }
}
