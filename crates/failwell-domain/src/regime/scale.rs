//! Rating scales, their versions, and the crosswalks that make versions comparable.
//!
//! A grade only means something against its own scale version: "Requires improvement"
//! (from 2012) is not "Satisfactory" (before), and a 2025 report-card grade is not a
//! four-point grade at all. Comparing across versions is refused unless the regime
//! declares a crosswalk, so no chart can silently join two different rulers.

use super::pos::Positions;
use super::validity::Validity;
use std::cmp::Ordering;

/// One version of a rating scale: an ordered list of grades, best first.
///
/// Versions of the same scale share an `id`, differ in `version`, and must not overlap
/// in time.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    /// The scale's identifier, shared by its versions (e.g. `ofsted_school`).
    pub id: String,
    /// This version's label (e.g. `2012`).
    pub version: String,
    /// Human name.
    pub name: String,
    /// The actor that awards these grades.
    pub owner: Option<String>,
    /// Sectors graded on this scale.
    pub sectors: Vec<String>,
    /// The areas or key questions each given a grade (e.g. CQC's five key questions);
    /// empty when there is one overall grade.
    pub areas: Vec<String>,
    /// Free text.
    pub description: Option<String>,
    /// The grades, best first (strictly increasing rank).
    pub grades: Vec<Grade>,
    /// When this version was in use.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

/// One grade of a scale version.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    /// Stable code, e.g. `requires_improvement`.
    pub code: String,
    /// Words as published, e.g. "Requires improvement".
    pub label: String,
    /// Other codes the grade is written as in published files: Ofsted's 2023 statistics
    /// write the 2009 framework's Adequate as "Requires improvement to be good", and
    /// `failwell import` turns labels into codes, so the grade is found under either.
    pub aliases: Vec<String>,
    /// Position on the scale; 1 is best, higher is worse.
    pub rank: i64,
    /// Whether this grade counts as failure.
    pub failing: bool,
    /// Free text.
    pub description: Option<String>,
    pub(crate) pos: Positions,
}

impl Grade {
    /// Whether this grade counts as failure under its scale version.
    pub fn is_failing(&self) -> bool {
        self.failing
    }
}

impl Scale {
    /// The grade with this code (or alias), tied to this version so it can be compared safely.
    pub fn grade(&self, code: &str) -> Option<GradeRef<'_>> {
        self.grades
            .iter()
            .find(|g| g.code == code)
            .or_else(|| self.grades.iter().find(|g| g.aliases.iter().any(|a| a == code)))
            .map(|grade| GradeRef { scale: self, grade })
    }

    /// The grades that count as failure, best first.
    pub fn failing_grades(&self) -> impl Iterator<Item = &Grade> {
        self.grades.iter().filter(|g| g.failing)
    }
}

/// A grade together with the scale version it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradeRef<'a> {
    /// The scale version.
    pub scale: &'a Scale,
    /// The grade within it.
    pub grade: &'a Grade,
}

impl GradeRef<'_> {
    /// Whether the grade counts as failure.
    pub fn is_failing(&self) -> bool {
        self.grade.failing
    }
}

/// A declared equivalence from the grades of one version of a scale to another.
///
/// One crosswalk serves both directions of comparison: a grade of `from_version` is
/// carried into `to_version` and ranks are compared there.
#[derive(Debug, Clone, PartialEq)]
pub struct Crosswalk {
    /// Stable identifier.
    pub id: String,
    /// The scale whose versions are joined.
    pub scale: String,
    /// The older (or source) version.
    pub from_version: String,
    /// The newer (or target) version.
    pub to_version: String,
    /// Why the two versions may be compared.
    pub rationale: Option<String>,
    /// Grade code in `from_version` → grade code in `to_version`.
    pub map: Vec<GradeMapping>,
    /// When the crosswalk is accepted.
    pub validity: Validity,
    pub(crate) pos: Positions,
}

/// One pair of a crosswalk.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeMapping {
    /// Grade code in the crosswalk's `from_version`.
    pub from: String,
    /// Equivalent grade code in its `to_version`.
    pub to: String,
    pub(crate) from_at: usize,
    pub(crate) to_at: usize,
}

impl Crosswalk {
    /// The `to_version` grade equivalent to a `from_version` grade.
    pub fn map_grade(&self, from: &str) -> Option<&str> {
        self.map.iter().find(|m| m.from == from).map(|m| m.to.as_str())
    }
}

/// How one grade stands against another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GradeComparison {
    /// The first grade is better than the second.
    Better,
    /// The two grades are equivalent.
    Same,
    /// The first grade is worse than the second.
    Worse,
}

impl GradeComparison {
    pub(crate) fn from_ranks(a: i64, b: i64) -> Self {
        match a.cmp(&b) {
            Ordering::Less => GradeComparison::Better,
            Ordering::Equal => GradeComparison::Same,
            Ordering::Greater => GradeComparison::Worse,
        }
    }
}

/// Why two grades cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotComparable {
    /// The grades come from different scales altogether.
    #[error("grades from different scales ({0} and {1}) are never compared")]
    DifferentScales(String, String),
    /// Same scale, different versions, and no crosswalk joins them.
    #[error("no crosswalk joins versions {from} and {to} of scale {scale}")]
    NoCrosswalk {
        /// The scale.
        scale: String,
        /// One version.
        from: String,
        /// The other.
        to: String,
    },
    /// A crosswalk exists but does not map this grade.
    #[error("the crosswalk {crosswalk} does not map grade {grade}")]
    Unmapped {
        /// The crosswalk consulted.
        crosswalk: String,
        /// The grade left out of it.
        grade: String,
    },
}
