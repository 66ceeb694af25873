//! The seven types of failure of the report's Table 1.
//!
//! Failure is not one thing: the report separates who or what failed. Signals, risks and
//! cases carry one or more of these, so a financial collapse and a safeguarding failure
//! are never added into one undifferentiated score.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the report's seven failure types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureType {
    /// Money runs out or is mismanaged.
    Financial,
    /// Leaders and boards lose grip, oversight or integrity.
    Governance,
    /// The service itself falls below standard for its users.
    Performance,
    /// A policy is unworkable, or politics gets in the way of running the service.
    PolicyAndPolitics,
    /// A shock from outside: demand, disaster, the failure of a partner.
    External,
    /// Buying or contracting the service goes wrong.
    Commissioning,
    /// Organisations that must work together do not (a failure of the links between them).
    Connection,
}

impl FailureType {
    /// All seven, in the report's order.
    pub const ALL: [FailureType; 7] = [
        FailureType::Financial,
        FailureType::Governance,
        FailureType::Performance,
        FailureType::PolicyAndPolitics,
        FailureType::External,
        FailureType::Commissioning,
        FailureType::Connection,
    ];

    /// The stable code used in files, the API and the store.
    pub fn code(self) -> &'static str {
        match self {
            FailureType::Financial => "financial",
            FailureType::Governance => "governance",
            FailureType::Performance => "performance",
            FailureType::PolicyAndPolitics => "policy_and_politics",
            FailureType::External => "external",
            FailureType::Commissioning => "commissioning",
            FailureType::Connection => "connection",
        }
    }
}

impl fmt::Display for FailureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A string that names no failure type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown failure type {0:?} (expected one of financial, governance, performance, policy_and_politics, external, commissioning, connection)"
)]
pub struct UnknownFailureType(pub String);

impl FromStr for FailureType {
    type Err = UnknownFailureType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FailureType::ALL.into_iter().find(|t| t.code() == s.trim()).ok_or_else(|| UnknownFailureType(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in FailureType::ALL {
            assert_eq!(t.code().parse::<FailureType>().unwrap(), t);
        }
        assert!("finance".parse::<FailureType>().is_err());
    }
}
