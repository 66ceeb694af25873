//! Accounts on the web: signing in and out, sessions and API tokens, CSRF, and the one
//! check every handler makes ([`Signed::allow`]) against the domain's access rule
//! (`failwell_domain::access`).
//!
//! A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure when the
//! request came over HTTPS through a proxy that says so), kept in the store only as its
//! hash, with a CSRF token that every form of the session carries. Machines use API tokens
//! (`Authorization: Bearer …`), made by `failwell user token`. Failed sign-ins are counted
//! in the audit log: after [`MAX_FAILED_SIGN_INS`] in [`SIGN_IN_WINDOW`] a user name is
//! refused until the window has passed.

mod pages;
mod secrets;
pub(crate) mod viewer;

pub(crate) use pages::{account, change_password, check_csrf, sign_in, sign_in_form, sign_out};
pub use secrets::{
    MIN_PASSWORD_LEN, PasswordRefusal, hash_password, new_password, new_token, same, token_hash, verify_password,
};
pub use viewer::{SESSION_COOKIE, Signed};

/// Failed sign-ins of one user name allowed within [`SIGN_IN_WINDOW`].
pub const MAX_FAILED_SIGN_INS: i64 = 5;

/// The window over which failed sign-ins are counted.
pub const SIGN_IN_WINDOW: time::Duration = time::Duration::minutes(15);

/// How long a session lasts from signing in (a working day).
pub const SESSION_LENGTH: time::Duration = time::Duration::hours(12);
