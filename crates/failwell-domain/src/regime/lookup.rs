//! Questions later crates ask of a regime: which sector, which ladder on a date, which
//! scale version on a date, and whether two grades may be compared.

use super::ladder::{Ladder, Rung};
use super::model::{Actor, Definition, FailureTypeDef, Regime, Sector, TriggerRule};
use super::scale::{Crosswalk, GradeComparison, GradeRef, NotComparable, Scale};
use crate::failure::FailureType;
use time::Date;

impl Regime {
    /// The sector with this id.
    pub fn sector(&self, id: &str) -> Option<&Sector> {
        self.sectors.iter().find(|s| s.id == id)
    }

    /// The learned score of a sector, if the regime has one.
    pub fn learned_score(&self, sector: &str) -> Option<&super::LearnedScore> {
        self.learned_scores.iter().find(|l| l.sector == sector)
    }

    /// The actor with this id.
    pub fn actor(&self, id: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == id)
    }

    /// The actors in existence on `date`.
    pub fn actors_at(&self, date: Date) -> impl Iterator<Item = &Actor> {
        self.actors.iter().filter(move |a| a.validity.contains(date))
    }

    /// The regime's wording of a failure type on `date`.
    pub fn failure_type_at(&self, ft: FailureType, date: Date) -> Option<&FailureTypeDef> {
        self.failure_types.iter().find(|f| f.failure_type == ft && f.validity.contains(date))
    }

    /// The ladder with this id.
    pub fn ladder(&self, id: &str) -> Option<&Ladder> {
        self.ladders.iter().find(|l| l.id == id)
    }

    /// The sector's ladder in force on `date` (at most one, since ladders of a sector may
    /// not overlap).
    pub fn ladder_at(&self, sector: &str, date: Date) -> Option<&Ladder> {
        self.ladders.iter().find(|l| l.sector == sector && l.validity.contains(date))
    }

    /// Every version of a sector's ladder, oldest first.
    pub fn ladders_for(&self, sector: &str) -> Vec<&Ladder> {
        let mut out: Vec<&Ladder> = self.ladders.iter().filter(|l| l.sector == sector).collect();
        out.sort_by_key(|l| l.validity.from);
        out
    }

    /// A rung of a ladder, by ladder id and rung id.
    pub fn rung(&self, ladder: &str, rung: &str) -> Option<&Rung> {
        self.ladder(ladder)?.rung(rung)
    }

    /// One version of a scale.
    pub fn scale(&self, id: &str, version: &str) -> Option<&Scale> {
        self.scales.iter().find(|s| s.id == id && s.version == version)
    }

    /// The version of a scale in use on `date`.
    pub fn scale_at(&self, id: &str, date: Date) -> Option<&Scale> {
        self.scales.iter().find(|s| s.id == id && s.validity.contains(date))
    }

    /// Every version of a scale, oldest first.
    pub fn scale_versions(&self, id: &str) -> Vec<&Scale> {
        let mut out: Vec<&Scale> = self.scales.iter().filter(|s| s.id == id).collect();
        out.sort_by_key(|s| s.validity.from);
        out
    }

    /// A grade by scale id, version and code.
    pub fn grade(&self, scale: &str, version: &str, code: &str) -> Option<GradeRef<'_>> {
        self.scale(scale, version)?.grade(code)
    }

    /// The crosswalk joining two versions of a scale, in either direction.
    pub fn crosswalk(&self, scale: &str, a: &str, b: &str) -> Option<&Crosswalk> {
        self.crosswalks.iter().find(|c| {
            c.scale == scale
                && ((c.from_version == a && c.to_version == b) || (c.from_version == b && c.to_version == a))
        })
    }

    /// How grade `a` stands against grade `b`.
    ///
    /// Grades of the same scale version compare by rank. Grades of two versions compare
    /// only through a declared crosswalk (the older-side grade is carried across, then
    /// ranks are compared). Grades of different scales never compare.
    ///
    /// # Errors
    /// [`NotComparable`] when the scales differ, when no crosswalk joins the two
    /// versions, or when the crosswalk leaves one of the grades unmapped.
    pub fn compare_grades(&self, a: GradeRef<'_>, b: GradeRef<'_>) -> Result<GradeComparison, NotComparable> {
        if a.scale.id != b.scale.id {
            return Err(NotComparable::DifferentScales(a.scale.id.clone(), b.scale.id.clone()));
        }
        if a.scale.version == b.scale.version {
            return Ok(GradeComparison::from_ranks(a.grade.rank, b.grade.rank));
        }
        let cw = self.crosswalk(&a.scale.id, &a.scale.version, &b.scale.version).ok_or_else(|| {
            NotComparable::NoCrosswalk {
                scale: a.scale.id.clone(),
                from: a.scale.version.clone(),
                to: b.scale.version.clone(),
            }
        })?;
        // Carry whichever grade sits on the crosswalk's "from" side into the "to" version.
        let (from_side, to_side, flipped) =
            if cw.from_version == a.scale.version { (a, b, false) } else { (b, a, true) };
        let unmapped = || NotComparable::Unmapped { crosswalk: cw.id.clone(), grade: from_side.grade.code.clone() };
        let carried = cw.map_grade(&from_side.grade.code).ok_or_else(unmapped)?;
        let carried = to_side.scale.grade(carried).ok_or_else(unmapped)?;
        let (ra, rb) =
            if flipped { (to_side.grade.rank, carried.grade.rank) } else { (carried.grade.rank, to_side.grade.rank) };
        Ok(GradeComparison::from_ranks(ra, rb))
    }

    /// The version of a definition in force on `date`.
    pub fn definition_at(&self, id: &str, date: Date) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.id == id && d.validity.contains(date))
    }

    /// The trigger rules that recommend rungs of one ladder.
    pub fn trigger_rules_for<'a>(&'a self, ladder: &'a str) -> impl Iterator<Item = &'a TriggerRule> {
        self.trigger_rules.iter().filter(move |t| t.ladder == ladder)
    }
}
