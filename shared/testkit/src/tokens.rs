//! Bearer tokens for every role, signed with the secret a [`crate::TestService`] is
//! started with.

use aftersales_web::{JwtKeys, Role};

/// The `JWT_SECRET` of every service a test starts.
pub const JWT_SECRET: &str = "secret";

/// The dealer a plain [`token`] of [`Role::Dealer`] belongs to.
pub const DEALER: &str = "D001";

/// A one-hour token for subject `sub` in `role`, naming `dealer_code` if given.
pub fn mint(sub: &str, role: Role, dealer_code: Option<&str>) -> String {
    JwtKeys::new(JWT_SECRET).mint(sub, role, dealer_code, chrono::Duration::hours(1))
}

/// A token of subject `tester` in `role`; a dealer's belongs to dealer [`DEALER`].
pub fn token(role: Role) -> String {
    let dealer = (role == Role::Dealer).then_some(DEALER);
    mint("tester", role, dealer)
}

/// The token of a user of dealer `code` (subject `user-<code>`).
pub fn dealer(code: &str) -> String {
    mint(&format!("user-{code}"), Role::Dealer, Some(code))
}

pub fn warehouse() -> String {
    token(Role::Warehouse)
}

pub fn quality() -> String {
    token(Role::Quality)
}

pub fn quality_lead() -> String {
    token(Role::QualityLead)
}

pub fn finance() -> String {
    token(Role::Finance)
}

pub fn admin() -> String {
    token(Role::Admin)
}

/// Every role but the given ones (those a check expects to be refused).
pub fn other_roles(allowed: &[Role]) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| !allowed.contains(r))
        .collect()
}
