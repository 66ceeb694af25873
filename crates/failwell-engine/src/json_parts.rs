//! Large JSON documents rendered on every core, in parts.
//!
//! A scan of England is 70 MB of JSON, nearly all of it one list (the organisations).
//! Rendering that list one item after another on one core took as long as judging it,
//! and rendering items separately and joining them copied it all again. Here each core
//! renders a contiguous share of the list into a buffer of its own, and the caller
//! writes the parts out in order: the text is exactly what `serde_json::to_vec` gives.

use serde::Serialize;

/// `envelope` as compact JSON with `items` as the list in its field `field`, in parts
/// whose concatenation is the document; `weight` tells roughly how large an item's JSON
/// is, to share the work out evenly. `envelope` must serialise `field` as an empty
/// list (`"field":[]`), and no field before it may serialise to that same text (a
/// string cannot: its quotes are escaped).
///
/// # Errors
/// A value that does not serialise, or an envelope without `"field":[]`.
pub fn spliced<E: Serialize, T: Serialize + Sync>(
    envelope: &E,
    field: &str,
    items: &[T],
    weight: impl Fn(&T) -> usize,
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
    for share in shares(items, weight)? {
        if parts.len() > 1 {
            parts.push(b",".to_vec());
        }
        parts.push(share);
    }
    parts.push(envelope[at..].to_vec());
    Ok(parts)
}

/// `items` as comma-separated compact JSON, one non-empty buffer per core's share. The
/// shares are of equal `weight` (about the size of an item's JSON, in any unit), not of
/// equal counts: a report lists its organisations worst first, and the worst carry the
/// most signals.
fn shares<T: Serialize + Sync>(items: &[T], weight: impl Fn(&T) -> usize) -> serde_json::Result<Vec<Vec<u8>>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let cores = crate::scan::parallel::threads();
    let weights: Vec<usize> = items.iter().map(|i| weight(i).max(1)).collect();
    let per_share = weights.iter().sum::<usize>().div_ceil(cores);
    // (items, their weight, the first one's weight)
    let mut shares: Vec<(&[T], usize, usize)> = Vec::with_capacity(cores);
    let (mut start, mut sum) = (0, 0);
    for (i, w) in weights.iter().enumerate() {
        sum += w;
        if sum >= per_share || i + 1 == items.len() {
            shares.push((&items[start..=i], sum, weights[start]));
            (start, sum) = (i + 1, 0);
        }
    }
    crate::scan::parallel::map(shares, 2, |(share, share_weight, first_weight)| {
        // Sized from the first item, with room to spare: growing a buffer of tens of
        // megabytes copies it into fresh memory, and room never written costs nothing.
        let mut out = serde_json::to_vec(&share[0])?;
        let per_weight = out.len().max(64).div_ceil(first_weight);
        out.reserve(per_weight * share_weight * 2);
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
            let parts = spliced(&envelope, "items", &items, |i| i.code.len() * (i.value as usize % 7)).unwrap();
            assert_eq!(parts.concat(), serde_json::to_vec(&whole).unwrap(), "{n} items");
        }
    }

    #[test]
    fn an_envelope_without_the_empty_field_is_refused() {
        let envelope = Doc { title: "t".into(), items: vec![Item { code: "a".into(), value: 1.0 }], after: vec![] };
        assert!(spliced(&envelope, "items", &[1, 2], |_| 1).is_err());
    }
}
