//! Linking a statement to a ledger: the ledger's `payoutBankAccount` (BBAN:NO, 11 digits) against
//! the statement's IBAN (NOkk + BBAN) or domestic number, in any spacing or punctuation.

/// Digits and letters only, upper case: "NO93 8601 1117 947" → "NO9386011117947".
pub fn normalise(account: &str) -> String {
    account
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The domestic account number (BBAN) inside an account id: an IBAN's tail after country and check
/// digits, or the id itself when it is already domestic.
pub fn bban(account: &str) -> String {
    let n = normalise(account);
    let b = n.as_bytes();
    if b.len() > 4
        && b[0].is_ascii_alphabetic()
        && b[1].is_ascii_alphabetic()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
    {
        n[4..].to_string()
    } else {
        n
    }
}

/// True when an IBAN's ISO 13616 check digits (mod 97) are right.
pub fn iban_is_valid(iban: &str) -> bool {
    let n = normalise(iban);
    if n.len() < 5 {
        return false;
    }
    let rearranged = format!("{}{}", &n[4..], &n[..4]);
    let mut rem: u32 = 0;
    for c in rearranged.chars() {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        for d in v.to_string().chars() {
            rem = (rem * 10 + d.to_digit(10).unwrap_or(0)) % 97;
        }
    }
    rem == 1
}

/// The Norwegian IBAN for an 11-digit BBAN (check digits computed), e.g. 86011117947 → NO9386011117947.
pub fn norwegian_iban(bban: &str) -> Option<String> {
    let b = normalise(bban);
    if b.len() != 11 || !b.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // N=23, O=24, then "00", mod 97.
    let s = format!("{b}232400");
    let rem = s
        .chars()
        .fold(0u32, |r, c| (r * 10 + c.to_digit(10).unwrap_or(0)) % 97);
    Some(format!("NO{:02}{b}", 98 - rem))
}

/// The IBAN of a ledger's payout account (`scheme` as in `payoutBankAccount`: `BBAN:NO`, `BBAN:DK`,
/// `IBAN:FI`, …): an IBAN as given when its check digits hold, else the country's IBAN built from the
/// domestic number with ISO 13616 check digits (Norway 11 digits, Denmark 14: reg. no. + account).
pub fn payout_account_iban(scheme: &str, id: &str) -> Option<String> {
    let n = normalise(id);
    if scheme.to_ascii_uppercase().starts_with("IBAN") {
        return iban_is_valid(&n).then_some(n);
    }
    let country = scheme.rsplit(':').next()?.trim().to_ascii_uppercase();
    let digits = match country.as_str() {
        "NO" => 11,
        "DK" => 14,
        "FI" => 14,
        _ => return None,
    };
    if n.len() != digits || !n.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let letters: String = country
        .chars()
        .filter_map(|c| c.to_digit(36))
        .map(|v| v.to_string())
        .collect();
    let rem = format!("{n}{letters}00")
        .chars()
        .fold(0u32, |r, c| (r * 10 + c.to_digit(10).unwrap_or(0)) % 97);
    Some(format!("{country}{:02}{n}", 98 - rem))
}

/// Does the statement's account id name the ledger's payout account?
pub fn same_account(ledger_payout_account: &str, statement_account: &str) -> bool {
    let a = bban(ledger_payout_account);
    !a.is_empty() && a == bban(statement_account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_norwegian_iban_names_the_same_account_as_its_bban() {
        // The example IBAN from the Norwegian IBAN registry entry (Finans Norge / SWIFT IBAN registry).
        assert_eq!(
            norwegian_iban("8601 11 17947").as_deref(),
            Some("NO9386011117947")
        );
        assert!(iban_is_valid("NO93 8601 1117 947"));
        assert!(!iban_is_valid("NO94 8601 1117 947"));
        assert!(same_account("86011117947", "NO9386011117947"));
        assert!(same_account("8601.11.17947", "NO93 8601 1117 947"));
        assert!(!same_account("86011117948", "NO9386011117947"));
        assert!(!same_account("", ""));
        assert_eq!(bban("DK5000400440116243"), "00400440116243");
    }

    #[test]
    fn a_danish_bban_gets_the_iban_with_valid_check_digits() {
        // The Danish example in the SWIFT IBAN registry: DK50 0040 0440 1162 43 (reg. 0040).
        assert_eq!(
            payout_account_iban("BBAN:DK", "0040 0440116243").as_deref(),
            Some("DK5000400440116243")
        );
        assert_eq!(
            payout_account_iban("BBAN:NO", "86011117947").as_deref(),
            Some("NO9386011117947")
        );
        assert_eq!(
            payout_account_iban("IBAN:FI", "FI21 1234 5600 0007 85").as_deref(),
            Some("FI2112345600000785")
        );
        assert_eq!(payout_account_iban("IBAN:FI", "FI2212345600000785"), None);
        assert_eq!(payout_account_iban("BBAN:DK", "1234"), None);
        assert_eq!(payout_account_iban("BBAN:XX", "1234"), None);
    }
}
