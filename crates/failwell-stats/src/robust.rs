//! Robust location and spread: the median and the median absolute deviation (MAD).
//!
//! Peer norms use them because one extreme peer must not move the norm that says who is
//! extreme. Order statistics are found by selection (`select_nth_unstable`), in linear
//! time: at England scale the scan takes 300 norms of 6,000 values each.

/// Scale factor from the MAD to a standard deviation for normal data (1 / Φ⁻¹(3/4)).
pub const MAD_TO_SD: f64 = 1.4826;

/// The median of `values`, reordering them; `None` when empty. NaNs sort last (total order).
pub fn median_in_place(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (below, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    // The lower middle is the largest of the values below the upper middle.
    let lower = below.iter().copied().max_by(f64::total_cmp)?;
    Some((lower + upper) / 2.0)
}

/// The median and the median absolute deviation of `values`; `None` when empty.
pub fn median_mad(values: &[f64]) -> Option<(f64, f64)> {
    let mut v = values.to_vec();
    let m = median_in_place(&mut v)?;
    for x in &mut v {
        *x = (*x - m).abs();
    }
    let mad = median_in_place(&mut v)?;
    Some((m, mad))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_median(v: &[f64]) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2.0 }
    }

    #[test]
    fn median_by_selection_equals_median_by_sorting() {
        let mut state = 12345u64;
        for n in 1..60 {
            let v: Vec<f64> = (0..n)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((state >> 33) % 1000) as f64 / 7.0
                })
                .collect();
            let mut w = v.clone();
            assert_eq!(median_in_place(&mut w), Some(sorted_median(&v)), "n = {n}");
        }
        assert_eq!(median_in_place(&mut []), None);
    }

    #[test]
    fn mad_of_a_known_set() {
        // 9, 10, 11, 12: median 10.5, deviations 1.5, 0.5, 0.5, 1.5: MAD 1.
        assert_eq!(median_mad(&[10.0, 11.0, 12.0, 9.0]), Some((10.5, 1.0)));
        // One extreme value moves neither.
        assert_eq!(median_mad(&[10.0, 11.0, 12.0, 9.0, 1e9]).map(|(m, _)| m), Some(11.0));
    }
}
