//! Who may see and do what: the roles of failwell's users and the one rule that decides
//! every request, pages and API alike.
//!
//! The rule is least privilege. Published facts (ratings, indicator figures, the regime)
//! are for everyone, signed in or not. failwell's own judgements (signals, risk bands,
//! recommendations, decisions) and casework are not published: an analyst or an
//! administrator sees them nationally; a board member, a peer reviewer or a provider sees
//! them only for the organisations in their reach; the public never does. Only analysts
//! and administrators decide on recommendations, and only administrators manage accounts
//! and read the audit log.
//!
//! The rule lives here, pure, so that the role matrix in `docs/web.md` tests it through
//! the real server and nothing else can drift from it.

use crate::casework::words;
use crate::code::Code;
use std::collections::BTreeSet;

words!(
    /// What a signed-in user is to failwell.
    Role, "role", {
        /// Manages accounts and reads the audit log; sees and does everything.
        Administrator = "administrator",
        /// An analyst or inspector at a regulator or department: sees everything, decides.
        Analyst = "analyst",
        /// Sits on an improvement board: the organisations of the cases they sit on.
        BoardMember = "board_member",
        /// Works for an organisation overseen: their own organisation.
        Provider = "provider",
        /// Reviews as a peer: the organisations of the cases they review.
        PeerReviewer = "peer_reviewer",
    }
);

/// What a request reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach<'a> {
    /// Published facts: ratings, indicator figures, the regime, the service's health.
    Published,
    /// Something only a signed-in user can have (their own work list, lessons learned).
    SignedIn,
    /// failwell's judgements or casework about these organisations (any one in reach is
    /// enough: ownership of a case may be shared).
    Organisations(&'a [Code]),
    /// failwell's judgements across every organisation (the national view, scan lists, the
    /// decisions history).
    National,
    /// Accepting or declining a recommendation.
    Decide,
    /// Steering a case: moving it on the ladder, extending a deadline the regime lets
    /// extend, adding its people, scheduling the check-ins after its exit, closing it.
    /// These are the overseer's decisions, taken nationally by analysts and
    /// administrators; a board advises on them but does not take them.
    SteerCase,
    /// Moving a case on (recording an obligation met) for these organisations: analysts,
    /// administrators, and the board members who sit on it.
    EditCase(&'a [Code]),
    /// Recording progress on a case's plan for these organisations: as [`Reach::EditCase`],
    /// and the provider's own staff (they report their own plan's progress).
    UpdateProgress(&'a [Code]),
    /// Importing records into the store (the registry, indicators, figures, judgements,
    /// events): the national roles, who answer for the evidence every judgement rests on.
    Import,
    /// Accounts and the audit log.
    Administration,
}

impl Reach<'_> {
    /// Whether what is reached is published (its reads are not audited).
    pub fn is_published(&self) -> bool {
        matches!(self, Reach::Published)
    }
}

/// Who is asking: a signed-in account or the public.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Viewer {
    /// The account's user name, `None` for the public.
    pub username: Option<String>,
    /// The account's name as casework names people (`C. Chair`).
    pub display_name: String,
    /// The account's e-mail address, by which a case may name them instead.
    pub email: Option<String>,
    /// The account's role, `None` for the public.
    pub role: Option<Role>,
    /// The organisations in a scoped role's reach (a provider's own; the organisations of
    /// the cases a board member or peer reviewer takes part in).
    pub organisations: BTreeSet<Code>,
}

impl Viewer {
    /// The public: not signed in.
    pub fn public() -> Viewer {
        Viewer::default()
    }

    /// Whether this viewer may have what `reach` reaches.
    pub fn may(&self, reach: &Reach<'_>) -> bool {
        let Some(role) = self.role else { return reach.is_published() };
        let national = matches!(role, Role::Administrator | Role::Analyst);
        match reach {
            Reach::Published | Reach::SignedIn => true,
            Reach::Organisations(codes) => national || codes.iter().any(|c| self.organisations.contains(c)),
            Reach::National | Reach::Decide | Reach::SteerCase | Reach::Import => national,
            Reach::EditCase(codes) => {
                national || (role == Role::BoardMember && codes.iter().any(|c| self.organisations.contains(c)))
            }
            Reach::UpdateProgress(codes) => {
                national
                    || (matches!(role, Role::BoardMember | Role::Provider)
                        && codes.iter().any(|c| self.organisations.contains(c)))
            }
            Reach::Administration => role == Role::Administrator,
        }
    }

    /// Whether the viewer sees failwell's judgements on every organisation.
    pub fn is_national(&self) -> bool {
        self.may(&Reach::National)
    }

    /// Who the audit log says asked: the user name, or `public`.
    pub fn who(&self) -> &str {
        self.username.as_deref().unwrap_or("public")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, orgs: &[&str]) -> Viewer {
        Viewer {
            username: Some("u".into()),
            display_name: "U".into(),
            email: None,
            role: Some(role),
            organisations: orgs.iter().map(|c| Code::new(c).unwrap()).collect(),
        }
    }

    #[test]
    fn the_public_sees_only_what_is_published() {
        let p = Viewer::public();
        let code = [Code::new("E06000002").unwrap()];
        assert!(p.may(&Reach::Published));
        for r in [
            Reach::SignedIn,
            Reach::Organisations(&code),
            Reach::National,
            Reach::Decide,
            Reach::SteerCase,
            Reach::Import,
            Reach::Administration,
        ] {
            assert!(!p.may(&r), "{r:?}");
        }
        assert_eq!(p.who(), "public");
    }

    #[test]
    fn scoped_roles_reach_only_their_organisations() {
        let mine = [Code::new("E06000001").unwrap()];
        let other = [Code::new("E06000002").unwrap()];
        let shared = [Code::new("E06000002").unwrap(), Code::new("E06000001").unwrap()];
        for role in [Role::BoardMember, Role::Provider, Role::PeerReviewer] {
            let v = viewer(role, &["E06000001"]);
            assert!(v.may(&Reach::Organisations(&mine)));
            assert!(v.may(&Reach::Organisations(&shared)), "a shared case is in reach");
            assert!(!v.may(&Reach::Organisations(&other)));
            assert!(!v.may(&Reach::National) && !v.may(&Reach::Decide) && !v.may(&Reach::Administration));
            assert!(!v.may(&Reach::Import), "the evidence is the national roles' to import");
            assert!(v.may(&Reach::SignedIn));
        }
    }

    #[test]
    fn board_members_move_their_cases_on_and_providers_report_their_own_progress() {
        let mine = [Code::new("E06000001").unwrap()];
        let other = [Code::new("E06000002").unwrap()];
        let board = viewer(Role::BoardMember, &["E06000001"]);
        assert!(board.may(&Reach::EditCase(&mine)) && board.may(&Reach::UpdateProgress(&mine)));
        assert!(!board.may(&Reach::EditCase(&other)) && !board.may(&Reach::UpdateProgress(&other)));
        assert!(!board.may(&Reach::SteerCase), "a board advises on the ladder; the overseer moves the case");
        let provider = viewer(Role::Provider, &["E06000001"]);
        assert!(provider.may(&Reach::UpdateProgress(&mine)));
        assert!(!provider.may(&Reach::EditCase(&mine)), "a provider does not mark the regulator's clocks met");
        assert!(!provider.may(&Reach::UpdateProgress(&other)));
        let peer = viewer(Role::PeerReviewer, &["E06000001"]);
        assert!(!peer.may(&Reach::EditCase(&mine)) && !peer.may(&Reach::UpdateProgress(&mine)));
        let analyst = viewer(Role::Analyst, &[]);
        assert!(analyst.may(&Reach::EditCase(&other)) && analyst.may(&Reach::UpdateProgress(&other)));
        assert!(analyst.may(&Reach::SteerCase) && !provider.may(&Reach::SteerCase));
        assert!(!Viewer::public().may(&Reach::UpdateProgress(&mine)));
    }

    #[test]
    fn only_administrators_administer() {
        let a = viewer(Role::Analyst, &[]);
        let code = [Code::new("E06000002").unwrap()];
        assert!(a.may(&Reach::National) && a.may(&Reach::Decide) && a.may(&Reach::Organisations(&code)));
        assert!(!a.may(&Reach::Administration));
        assert!(viewer(Role::Administrator, &[]).may(&Reach::Administration));
        assert_eq!("peer_reviewer".parse::<Role>().unwrap(), Role::PeerReviewer);
        assert!("superuser".parse::<Role>().is_err());
    }
}
