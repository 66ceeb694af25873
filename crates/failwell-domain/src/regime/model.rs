//! The parts of a regime that are neither scales nor ladders: the regime's identity, its
//! sectors, actors, failure types, dated definitions, and the reserved tables for trigger
//! rules and signal weights.

use super::keyword::Keyword;
use super::ladder::Ladder;
use super::pos::Positions;
use super::scale::{Crosswalk, Scale};
use super::validity::Validity;
use crate::failure::FailureType;
use std::collections::BTreeMap;

/// A whole failure regime: who watches which services, how they grade them and how they
/// escalate, as data rather than code, so another country can be described without a
/// rebuild.
///
/// Build one with [`Regime::from_toml_str`]; its lookups live in this module's `lookup`
/// file.
#[derive(Debug, Clone, PartialEq)]
pub struct Regime {
    /// A stable identifier, e.g. `england`.
    pub id: String,
    /// The version of this regime file, recorded by judgements made under it.
    pub version: String,
    /// A human name.
    pub name: String,
    /// Free text about scope and sources.
    pub description: Option<String>,
    /// When the regime as a whole is meant to apply.
    pub validity: Validity,
    /// The regime's own wording of the seven failure types.
    pub failure_types: Vec<FailureTypeDef>,
    /// The service sectors covered.
    pub sectors: Vec<Sector>,
    /// Regulators, departments, peer bodies, commissioners.
    pub actors: Vec<Actor>,
    /// Every version of every rating scale.
    pub scales: Vec<Scale>,
    /// Declared equivalences between versions of a scale.
    pub crosswalks: Vec<Crosswalk>,
    /// Escalation ladders, one per sector at any date.
    pub ladders: Vec<Ladder>,
    /// Versioned definitions and thresholds that judgements cite.
    pub definitions: Vec<Definition>,
    /// Rules recommending a rung (stored, not evaluated here).
    pub trigger_rules: Vec<TriggerRule>,
    /// Weights of signals per failure type (stored, not used here).
    pub signal_weights: Vec<SignalWeight>,
    /// Learned scores: weights fitted on past judgements (`failwell calibrate`), at most
    /// one per sector.
    pub learned_scores: Vec<super::learned::LearnedScore>,
    pub(crate) pos: Positions,
}

/// A service sector with its own regime, e.g. schools or hospitals.
#[derive(Debug, Clone, PartialEq)]
pub struct Sector {
    /// Stable identifier, e.g. `childrens_services`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// When the sector is covered.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

/// What kind of body an actor is; decides nothing by itself but lets screens and rules
/// tell sector-led help from central intervention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorKind {
    /// Holds legal powers over providers (e.g. CQC, NHS England).
    Regulator,
    /// Inspects and grades (e.g. Ofsted).
    Inspectorate,
    /// A central government department or its officials.
    Department,
    /// A body that brokers help from peers (e.g. the LGA, academy trusts, partner trusts).
    PeerBody,
    /// People appointed to advise or to take over functions.
    Commissioner,
    /// External auditors.
    Auditor,
    /// A board that oversees an improvement plan.
    ImprovementBoard,
    /// A council acting in an oversight role (e.g. over the schools it maintains).
    LocalAuthority,
}

impl Keyword for ActorKind {
    const WHAT: &'static str = "actor kind";
    const ALL: &'static [Self] = &[
        ActorKind::Regulator,
        ActorKind::Inspectorate,
        ActorKind::Department,
        ActorKind::PeerBody,
        ActorKind::Commissioner,
        ActorKind::Auditor,
        ActorKind::ImprovementBoard,
        ActorKind::LocalAuthority,
    ];
    fn code(self) -> &'static str {
        match self {
            ActorKind::Regulator => "regulator",
            ActorKind::Inspectorate => "inspectorate",
            ActorKind::Department => "department",
            ActorKind::PeerBody => "peer_body",
            ActorKind::Commissioner => "commissioner",
            ActorKind::Auditor => "auditor",
            ActorKind::ImprovementBoard => "improvement_board",
            ActorKind::LocalAuthority => "local_authority",
        }
    }
}

impl ActorKind {
    /// The code used in regime files.
    pub fn as_str(self) -> &'static str {
        self.code()
    }
}

/// A body that judges, supports or intervenes.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// Stable identifier, e.g. `ofsted`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What kind of body it is.
    pub kind: ActorKind,
    /// Sector ids the actor works in.
    pub sectors: Vec<String>,
    /// The actor this one replaced (e.g. a renamed ministry), so history stays joined.
    pub succeeds: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// When the body existed under this name.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

/// The regime's description of one of the seven failure types.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureTypeDef {
    /// Which failure type.
    pub failure_type: FailureType,
    /// Human name.
    pub name: String,
    /// What this type of failure looks like.
    pub description: String,
    /// When this wording applies.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

/// A dated, versioned definition or threshold, cited by judgements so that history can be
/// re-judged under a newer wording.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// Stable identifier shared by all versions.
    pub id: String,
    /// This version's label.
    pub version: String,
    /// The sector it belongs to, if any.
    pub sector: Option<String>,
    /// Failure types it is about.
    pub failure_types: Vec<FailureType>,
    /// The definition in words.
    pub text: String,
    /// Named numeric thresholds.
    pub thresholds: BTreeMap<String, f64>,
    /// When this version applies.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

/// A rule that, when its expression holds, recommends a rung. Only stored here: the
/// expression is compiled and evaluated by the engine crate (CEL), which also refuses
/// expressions that do not parse or name unknown fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerRule {
    /// Stable identifier.
    pub id: String,
    /// The ladder holding the recommended rung.
    pub ladder: String,
    /// The rung recommended.
    pub rung: String,
    /// The condition, as CEL source text.
    pub expression: String,
    /// Why the rule exists, shown beside every recommendation it makes.
    pub rationale: String,
    /// Failure types the rule is about.
    pub failure_types: Vec<FailureType>,
    /// Whether the rule may recommend a rung more than one step above the current one
    /// (e.g. harm to service users); without it the engine caps the step at one rung, so
    /// the system does not go "from zero to 100".
    pub allow_jump: bool,
    /// When the rule applies.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

impl TriggerRule {
    /// Byte offset of the `expression` value in the regime source, so that a checker
    /// outside this crate (the engine compiles the CEL) can point at the line at fault.
    pub fn expression_offset(&self) -> usize {
        self.pos.field("expression")
    }
}

/// How much one signal counts towards one failure type.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalWeight {
    /// The failure type.
    pub failure_type: FailureType,
    /// The signal (an indicator or event code).
    pub signal: String,
    /// Non-negative weight.
    pub weight: f64,
    /// When the weight applies.
    pub validity: Validity,
    pub(crate) pos: Positions,
}
