//! What a newer definition would change: the judgements of two scans of the same
//! evidence, as known on the same day, under two regimes, compared organisation by
//! organisation. One rule of what counts as "judged differently", whoever asks (today
//! `failwell diff`): the overall band, the band of any failure type, or the recommended
//! rung.

use crate::OrganisationReport;
use std::collections::BTreeMap;

/// One judgement that the newer regime would change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// The organisation's code.
    pub organisation: String,
    /// Its name.
    pub name: String,
    /// What changes: `overall_band`, `bands.<failure type>` or `recommended_rung`.
    pub field: String,
    /// The judgement under the old regime (`-` for none).
    pub old: String,
    /// The judgement under the new regime (`-` for none).
    pub new: String,
}

/// A judgement's word as the JSON output writes it (`-` for none).
fn word(v: impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) => "-".into(),
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

/// Every judgement of an organisation in both `before` and `after` that differs, ordered
/// by organisation and field. An organisation judged by only one of them is left out:
/// that is a change of evidence, not of definition.
pub fn changes(before: &[OrganisationReport], after: &[OrganisationReport]) -> Vec<Change> {
    let old_by_code: BTreeMap<&str, &OrganisationReport> =
        before.iter().map(|o| (o.organisation.as_str(), o)).collect();
    let mut out = Vec::new();
    for new in after {
        let Some(old) = old_by_code.get(new.organisation.as_str()) else { continue };
        let mut push = |field: String, o: String, n: String| {
            if o != n {
                out.push(Change {
                    organisation: new.organisation.clone(),
                    name: new.name.clone(),
                    field,
                    old: o,
                    new: n,
                });
            }
        };
        push("overall_band".into(), word(old.overall_band), word(new.overall_band));
        for (ft, band) in &new.bands {
            push(format!("bands.{ft}"), old.bands.get(ft).map(word).unwrap_or_else(|| "-".into()), word(band));
        }
        push("recommended_rung".into(), word(&old.recommended_rung), word(&new.recommended_rung));
    }
    out.sort_by(|a, b| (&a.organisation, &a.field).cmp(&(&b.organisation, &b.field)));
    out
}
