//! Whose data a caller acts on. A dealer token is bound to its dealer (the token is
//! refused at authentication when it names none); every other role acts for any
//! dealer. Handlers turn the `Principal` into a [`Caller`] once, so no use case can
//! read a dealer token's code as "none".

use aftersales_web::{ApiError, Principal, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A dealer: sees and acts on its own dealer's data only.
    Dealer(String),
    /// Admin or warehouse staff: any dealer's data.
    Staff,
}

impl Caller {
    /// The caller of `who`; a dealer token without a dealer code is an internal error
    /// (authentication refuses such tokens, so it means a broken principal).
    pub fn of(who: &Principal) -> Result<Caller, ApiError> {
        if !who.is(Role::Dealer) {
            return Ok(Caller::Staff);
        }
        match who.dealer_code() {
            Some(code) => Ok(Caller::Dealer(code.to_owned())),
            // Logged with the request, like every internal error.
            None => Err(ApiError::internal(format!(
                "dealer principal {} has no dealer code",
                who.sub
            ))),
        }
    }

    /// The dealer the caller is bound to, if it is a dealer.
    pub fn dealer(&self) -> Option<&str> {
        match self {
            Caller::Dealer(code) => Some(code),
            Caller::Staff => None,
        }
    }

    /// Whether the caller may see data of `dealer_code`.
    pub fn may_see(&self, dealer_code: &str) -> bool {
        self.dealer().is_none_or(|own| own == dealer_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, dealer_code: Option<&str>) -> Principal {
        Principal {
            sub: "tester".into(),
            role,
            dealer_code: dealer_code.map(str::to_owned),
        }
    }

    #[test]
    fn a_dealer_is_bound_to_its_code_and_staff_to_none() {
        let dealer = Caller::of(&principal(Role::Dealer, Some("D001"))).unwrap();
        assert_eq!(dealer, Caller::Dealer("D001".into()));
        assert!(dealer.may_see("D001"));
        assert!(!dealer.may_see("D002"));
        let admin = Caller::of(&principal(Role::Admin, None)).unwrap();
        assert_eq!(admin, Caller::Staff);
        assert!(admin.may_see("D002"));
        assert!(Caller::of(&principal(Role::Dealer, None)).is_err());
    }
}
