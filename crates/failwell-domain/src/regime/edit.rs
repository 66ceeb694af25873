//! Writing a new version of a regime's text: what `failwell calibrate` does with the
//! weights it fitted. The rest of the file (comments, order, layout) is kept as the
//! author wrote it, so the new version differs from the old by what changed only.

use super::Regime;
use super::error::RegimeErrors;

/// Why a regime's text could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The source or the new section is not TOML a regime can hold.
    #[error("cannot edit the regime's text: {0}")]
    Toml(String),
    /// The edited regime does not validate.
    #[error("the edited regime is invalid:\n{0}")]
    Invalid(RegimeErrors),
}

/// `source` as version `version`, with `section` (TOML holding one `[[learned_scores]]`
/// table) in place of any learned score of the same sector, or after the others. The
/// result is validated as a regime.
///
/// # Errors
/// [`EditError::Toml`] when either text is not TOML or the section holds no learned
/// score; [`EditError::Invalid`] when the result is not a valid regime.
pub fn with_learned_score(source: &str, version: &str, section: &str) -> Result<String, EditError> {
    use toml_edit::{DocumentMut, Item, value};
    let mut doc: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| EditError::Toml(e.to_string()))?;
    let new: DocumentMut = section.parse().map_err(|e: toml_edit::TomlError| EditError::Toml(e.to_string()))?;
    let Some(table) = new.get("learned_scores").and_then(Item::as_array_of_tables).and_then(|a| a.get(0)).cloned()
    else {
        return Err(EditError::Toml("the new section holds no [[learned_scores]] table".to_string()));
    };
    let sector = table.get("sector").and_then(Item::as_str).map(str::to_string);
    let Some(header) = doc.get_mut("regime").and_then(Item::as_table_mut) else {
        return Err(EditError::Toml("the regime has no [regime] table".to_string()));
    };
    header["version"] = value(version);
    match doc.get_mut("learned_scores").and_then(Item::as_array_of_tables_mut) {
        Some(scores) => {
            scores.retain(|t| t.get("sector").and_then(Item::as_str).map(str::to_string) != sector);
            scores.push(table);
        }
        None => {
            let mut scores = toml_edit::ArrayOfTables::new();
            scores.push(table);
            doc.insert("learned_scores", Item::ArrayOfTables(scores));
        }
    }
    let text = doc.to_string();
    Regime::from_toml_str(&text).map_err(EditError::Invalid)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORE: &str = r#"[[learned_scores]]
id = "s_failing"
sector = "s"
foretells = "x"
fitted_from = 2015-01-01
fitted_to = 2024-12-31
failing_cases = 10
sound_cases = 40
penalty = 1.0
intercept = -2.0
threshold = 0.25
weights = { previous_inadequate = 0.5 }
"#;

    const BASE: &str = "# The test regime.\n[regime]\nid = \"t\"\nversion = \"1\" # first\nname = \"T\"\nvalid_from = 2020-01-01\n\n[[sectors]]\nid = \"s\"\nname = \"S\"\nvalid_from = 2020-01-01\n";

    #[test]
    fn a_learned_score_is_added_then_replaced_and_the_rest_kept() {
        let once = with_learned_score(BASE, "2", SCORE).unwrap();
        assert!(once.starts_with("# The test regime.\n[regime]"), "{once}");
        let r = Regime::from_toml_str(&once).unwrap();
        assert_eq!(r.version, "2");
        assert_eq!(r.learned_scores.len(), 1);
        let twice = with_learned_score(&once, "3", &SCORE.replace("-2.0", "-1.0")).unwrap();
        let r = Regime::from_toml_str(&twice).unwrap();
        assert_eq!((r.version.as_str(), r.learned_scores.len()), ("3", 1));
        assert_eq!(r.learned_scores[0].intercept, -1.0);
        assert!(twice.contains("name = \"S\""));
    }

    #[test]
    fn an_edit_that_breaks_the_regime_is_refused() {
        let e = with_learned_score(BASE, "2", &SCORE.replace("sector = \"s\"", "sector = \"z\"")).unwrap_err();
        assert!(e.to_string().contains("unknown sector \"z\""), "{e}");
        assert!(matches!(with_learned_score(BASE, "2", "x = 1"), Err(EditError::Toml(_))));
    }
}
