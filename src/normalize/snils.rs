//! СНИЛС: validated by its checksum, kept only as a salted hash.

use sha2::{Digest, Sha256};

/// The 11 digits of a valid СНИЛС, or None.
pub fn validate(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 11 || raw.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let d: Vec<u32> = digits.chars().map(|c| c.to_digit(10).unwrap_or(0)).collect();
    let number: u64 = digits[..9].parse().ok()?;
    let check = d[9] * 10 + d[10];
    // Numbers up to 001-001-998 predate the checksum.
    if number <= 1_001_998 {
        return Some(digits);
    }
    let sum: u32 = d[..9].iter().enumerate().map(|(i, v)| v * (9 - i as u32)).sum();
    let expected = match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => {
            let m = s % 101;
            if m == 100 { 0 } else { m }
        }
    };
    (check == expected).then_some(digits)
}

/// Salted SHA-256 of a valid СНИЛС; the clear number is never stored or written.
pub fn salted_hash(digits: &str, salt: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(b"snils:");
    h.update(digits.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum() {
        assert_eq!(validate("112-233-445 95").as_deref(), Some("11223344595"));
        assert_eq!(validate("112-233-445 96"), None);
        assert_eq!(validate("112-233-445"), None);
        assert_eq!(validate("abc"), None);
    }

    #[test]
    fn hash_depends_on_salt() {
        assert_ne!(salted_hash("11223344595", b"a"), salted_hash("11223344595", b"b"));
        assert_eq!(salted_hash("11223344595", b"a").len(), 64);
    }
}
