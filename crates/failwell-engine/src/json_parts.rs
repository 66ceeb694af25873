//! Large JSON documents rendered on every core, in parts.
//!
//! A scan of England is 70 MB of JSON, nearly all of it one list (the organisations).
//! Rendering that list one item after another on one core took as long as judging it,
//! and rendering items separately and joining them copied it all again. Here each core
//! renders a contiguous share of the list into a buffer of its own, and the caller
//! writes the parts out in order: the text is exactly what `serde_json::to_vec` gives.

use serde::Serialize;

/// `envelope` as compact JSON with `items` as the list in its field `field`, in parts
/// whose concatenation is the document. `envelope` must serialise `field` as an empty
/// list (`"field":[]`), and no field before it may serialise to that same text (a
/// string cannot: its quotes are escaped).
///
/// # Errors
/// A value that does not serialise, or an envelope without `"field":[]`.
pub fn spliced<E: Serialize, T: Serialize + Sync>(
    envelope: &E,
    field: &str,
    items: &[T],
) -> serde_json::Result<Vec<Vec<u8>>> {
    let envelope = serde_json::to_vec(envelope)?;
    let empty = format!("\"{field}\":[]");
    let at = envelope
        .windows(empty.len())
        .position(|w| w == empty.as_bytes())
        .map(|p| p + empty.len() - 1)
        .ok_or_else(|| serde::ser::Error::custom(format!("the envelope has no empty list {field:?}")))?;
    let mut parts = Vec::with_capacity(5);
    parts.push(envelope[..at].to_vec());
    for share in shares(items)? {
        if parts.len() > 1 {
            parts.push(b",".to_vec());
        }
        parts.push(share);
    }
    parts.push(envelope[at..].to_vec());
    Ok(parts)
}

/// `items` as comma-separated compact JSON, one non-empty buffer per core's share.
fn shares<T: Serialize + Sync>(items: &[T]) -> serde_json::Result<Vec<Vec<u8>>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shares: Vec<&[T]> = items.chunks(items.len().div_ceil(cores)).collect();
    crate::parallel::map(shares, 2, |share| {
        // Sized from the first item: growing a buffer of tens of megabytes by doubling
        // copies it again and again.
        let mut out = serde_json::to_vec(&share[0])?;
        out.reserve(out.len().max(1024) * share.len() * 5 / 4);
        for item in &share[1..] {
            out.push(b',');
            serde_json::to_writer(&mut out, item)?;
        }
        Ok(out)
    })
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::spliced;
    use serde::Serialize;

    #[derive(Serialize, Clone)]
    struct Item {
        code: String,
        value: f64,
    }

    #[derive(Serialize)]
    struct Doc {
        title: String,
        items: Vec<Item>,
        after: Vec<Item>,
    }

    #[test]
    fn the_parts_joined_are_the_document() {
        for n in [0, 1, 2, 3, 999, 2501] {
            let items: Vec<Item> = (0..n).map(|i| Item { code: format!("c\"{i}"), value: i as f64 / 3.0 }).collect();
            // A title holding the field's text, escaped, and a later list of the same name.
            let title = r#""items":[]"#.to_string();
            let after = items.iter().take(2).cloned().collect();
            let whole = Doc { title: title.clone(), items: items.clone(), after };
            let envelope = Doc { title, items: vec![], after: whole.after.clone() };
            let parts = spliced(&envelope, "items", &items).unwrap();
            assert_eq!(parts.concat(), serde_json::to_vec(&whole).unwrap(), "{n} items");
        }
    }

    #[test]
    fn an_envelope_without_the_empty_field_is_refused() {
        let envelope = Doc { title: "t".into(), items: vec![Item { code: "a".into(), value: 1.0 }], after: vec![] };
        assert!(spliced(&envelope, "items", &[1, 2]).is_err());
    }
}
