//! Reminders: what falls due (overdue, due today, due within two weeks) on the open cases
//! each person takes part in, gathered into one digest per person per day rather than a
//! message per item, so reminders are read rather than filtered away.

use failwell_domain::casework::DueStatus;
use failwell_domain::dates::iso;
use failwell_store::StoredIntervention;
use time::Date;

/// One item of a digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DueItem {
    /// The intervention.
    pub intervention: i64,
    /// Its organisations.
    pub organisations: Vec<String>,
    /// The obligation.
    pub obligation: i64,
    /// What is due.
    pub name: String,
    /// When.
    pub due: String,
    /// Overdue, due today or due soon.
    pub status: DueStatus,
    /// A rough time from guidance: a reminder, not a breach.
    pub approximate: bool,
}

/// One person's digest for a day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Digest {
    /// Their name (the first recorded with this address).
    pub person: String,
    /// Where it goes.
    pub email: String,
    /// Every item due, overdue first, then by day.
    pub items: Vec<DueItem>,
}

impl Digest {
    /// The message's subject and plain-text body.
    pub fn message(&self, today: Date) -> (String, String) {
        let overdue = self.items.iter().filter(|i| i.status == DueStatus::Overdue).count();
        let subject = format!(
            "failwell: {} item(s) due{} ({})",
            self.items.len(),
            if overdue > 0 { format!(", {overdue} overdue") } else { String::new() },
            iso(today)
        );
        let mut body = format!(
            "Dear {},\n\nWhat falls due on the interventions you take part in, as of {}:\n\n",
            self.person,
            iso(today)
        );
        for i in &self.items {
            body.push_str(&format!(
                "- {} {}: {} (intervention {}, {}){}\n",
                i.status.as_str(),
                i.due,
                i.name,
                i.intervention,
                i.organisations.join(", "),
                if i.approximate { " [approximate: a reminder, not a breach]" } else { "" }
            ));
        }
        body.push_str("\nOne message a day, whatever the number of items. Record an obligation met with `failwell intervention meet`.\n");
        (subject, body)
    }
}

/// The open cases with something overdue, due today or due soon on `today` but no one
/// on the case with an e-mail address to remind: (case, how many items). Their digests
/// go to nobody, which a run that only counted digests would hide.
pub fn unreminded(cases: &[StoredIntervention], today: Date) -> Vec<(i64, usize)> {
    let day = iso(today);
    cases
        .iter()
        .filter(|c| c.ended_on.is_none())
        .filter(|c| !c.actors.iter().any(|a| a.on_case(&day) && a.email.as_ref().is_some_and(|e| !e.trim().is_empty())))
        .filter_map(|c| {
            let due = c
                .obligations
                .iter()
                .filter_map(|o| o.status_on(today))
                .filter(|s| matches!(s, DueStatus::Overdue | DueStatus::DueToday | DueStatus::DueSoon))
                .count();
            (due > 0).then_some((c.id, due))
        })
        .collect()
}

/// The digests for `today`: for every open case, every person with an address gets the
/// case's obligations that are overdue, due today or due soon; a person on several cases
/// gets one digest holding them all. A person who has left a case (or joins it later)
/// gets nothing of it.
pub fn digests(cases: &[StoredIntervention], today: Date) -> Vec<Digest> {
    let mut out: Vec<Digest> = Vec::new();
    for c in cases.iter().filter(|c| c.ended_on.is_none()) {
        let items: Vec<DueItem> = c
            .obligations
            .iter()
            .filter_map(|o| {
                let status = o.status_on(today)?;
                matches!(status, DueStatus::Overdue | DueStatus::DueToday | DueStatus::DueSoon).then(|| DueItem {
                    intervention: c.id,
                    organisations: c.organisations.clone(),
                    obligation: o.id,
                    name: o.name.clone(),
                    due: o.due.clone(),
                    status,
                    approximate: o.approximate,
                })
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        let day = iso(today);
        for a in c.actors.iter().filter(|a| a.on_case(&day)) {
            let Some(email) = a.email.as_ref().filter(|e| !e.trim().is_empty()) else { continue };
            match out.iter_mut().find(|d| &d.email == email) {
                Some(d) => d.items.extend(items.iter().cloned()),
                None => out.push(Digest { person: a.name.clone(), email: email.clone(), items: items.clone() }),
            }
        }
    }
    for d in &mut out {
        d.items.sort_by(|a, b| (a.status, &a.due, a.obligation).cmp(&(b.status, &b.due, b.obligation)));
        d.items.dedup_by_key(|i| i.obligation);
    }
    out.sort_by(|a, b| a.email.cmp(&b.email));
    out
}
