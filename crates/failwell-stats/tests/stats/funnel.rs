//! Funnel-plot tests: reference expectations from FunnelPlotR and PHEindicatormethods,
//! reproduced number for number, plus properties that must hold for any data.

use failwell_stats::funnel::intervals::{
    self, CountInterval, Significance, expected_count_interval, ratio_funnel_expected, wilson_inverted_limits,
    wilson_lower, wilson_upper,
};
use failwell_stats::funnel::{
    Adjustment, Classification, FunnelConfig, LimitMethod, Limits, Measure, Overdispersion, Scale, Trim, analyse,
};
use proptest::prelude::*;

fn round(x: f64, dp: i32) -> f64 {
    let f = 10f64.powi(dp);
    (x * f).round() / f
}

fn parse_significance(s: &str) -> Significance {
    match s {
        "High (0.001)" => Significance::High001,
        "High (0.025)" => Significance::High025,
        "Low (0.001)" => Significance::Low001,
        "Low (0.025)" => Significance::Low025,
        "Not significant" => Significance::NotSignificant,
        other => panic!("unknown significance {other}"),
    }
}

/// Rows of a fixture CSV with a header: numeric columns then a significance label.
fn rows(text: &str) -> Vec<(f64, f64, Significance)> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(3, ',');
            let a = parts.next().unwrap().parse().unwrap();
            let b = parts.next().unwrap().parse().unwrap();
            (a, b, parse_significance(parts.next().unwrap().trim()))
        })
        .collect()
}

// ---------------------------------------------------------------- FunnelPlotR

/// FunnelPlotR `tests/testthat/test-poisson_limits.R`: unadjusted ratio limits at
/// expected counts 15, 20, 30 (exact Poisson interval around the expected count).
#[test]
fn funnelplotr_poisson_limits() {
    let e = [15.0, 20.0, 30.0];
    let ll95 = [0.5596924, 0.6108260, 0.6746958];
    let ul95 = [1.649348, 1.544419, 1.427562];
    let ll99 = [0.3862650, 0.4479107, 0.5289724];
    let ul99 = [2.082907, 1.902094, 1.702771];
    for i in 0..3 {
        let l95 = expected_count_interval(e[i], 0.025);
        let l99 = expected_count_interval(e[i], 0.001);
        assert_eq!(round(l95.lower, 7), ll95[i], "ll95 at {}", e[i]);
        assert_eq!(round(l95.upper, 6), ul95[i], "ul95 at {}", e[i]);
        assert_eq!(round(l99.lower, 7), ll99[i], "ll99 at {}", e[i]);
        assert_eq!(round(l99.upper, 6), ul99[i], "ul99 at {}", e[i]);
    }
    // The same numbers through the funnel with the FunnelPlotR limit method.
    let cfg = FunnelConfig::ratio().with_limits(LimitMethod::ExpectedCountInterval);
    let f = analyse(&[15.0, 20.0, 30.0], &e, &cfg).unwrap();
    assert_eq!(round(f.units[0].limits_95.lower, 7), ll95[0]);
    assert_eq!(round(f.units[2].limits_998.upper, 6), ul99[2]);
}

const FPR_OBS: [f64; 6] = [100.0, 150.0, 180.0, 80.0, 120.0, 225.0];
const FPR_EXP: [f64; 6] = [108.0, 112.0, 165.0, 95.0, 100.0, 220.0];

/// FunnelPlotR `tests/testthat/test-classes_methods.R`: φ = 2.948033 for the six-unit
/// example under the default SHMI method (log scale, 10% trimmed: with six units
/// nothing is trimmed).
#[test]
fn funnelplotr_phi_shmi() {
    let f = analyse(&FPR_OBS, &FPR_EXP, &FunnelConfig::shmi()).unwrap();
    let d = f.dispersion.unwrap();
    assert_eq!(round(d.phi, 6), 2.948033);
    assert_eq!(d.units_used, 6);
    // τ² by DerSimonian–Laird with weights E (FunnelPlotR `R/OD_adjust_func.R`):
    // (6·φ − 5) / (ΣE − ΣE²/ΣE), worked by hand.
    assert!((d.tau2 - 0.019_477_530_578).abs() < 1e-9, "tau2 {}", d.tau2);
    assert!(matches!(f.model.adjustment, Adjustment::Additive { .. }));
    // SHMI limits: exp(±z·√(1/E + τ²)); unit "e" (E = 100) by hand.
    let u = &f.units[4];
    let half = 1.959_963_985 * (1.0 / 100.0 + d.tau2).sqrt();
    assert!((u.limits_95.lower - (-half).exp()).abs() < 1e-8);
    assert!((u.limits_95.upper - half.exp()).abs() < 1e-8);
}

/// FunnelPlotR `tests/testthat/test-funnel_plot.R`: the unadjusted lower 95% limit of
/// unit "e" lies above its over-dispersion-adjusted one.
#[test]
fn funnelplotr_adjusted_limits_are_wider() {
    let plain = analyse(&FPR_OBS, &FPR_EXP, &FunnelConfig::ratio()).unwrap();
    let od = analyse(&FPR_OBS, &FPR_EXP, &FunnelConfig::shmi()).unwrap();
    assert!(plain.units[4].limits_95.lower > od.units[4].limits_95.lower);
    assert!(plain.units[4].limits_998.upper < od.units[4].limits_998.upper);
}

/// FunnelPlotR `tests/testthat/test-outliers_func.R`: outliers are strictly outside.
#[test]
fn funnelplotr_outlier_classification() {
    let rr = [1.0, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0.0];
    let plain95 = Limits { lower: 0.9, upper: 1.1 };
    let plain99 = Limits { lower: 0.59, upper: 1.41 };
    let od95 = Limits { lower: 0.79, upper: 1.21 };
    let od99 = Limits { lower: 0.38, upper: 1.62 };
    let out95 = |l95, l99| -> Vec<u8> {
        rr.iter().map(|&v| (Classification::of(v, l95, l99) != Classification::Within) as u8).collect()
    };
    let out99 = |l95, l99| -> Vec<u8> {
        rr.iter()
            .map(|&v| {
                matches!(Classification::of(v, l95, l99), Classification::Above998 | Classification::Below998) as u8
            })
            .collect()
    };
    assert_eq!(out95(plain95, plain99), vec![0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(out95(od95, od99), vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(out99(plain95, plain99), vec![0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    assert_eq!(out99(od95, od99), vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
}

// ------------------------------------------------------------ PHEindicatormethods

/// PHEindicatormethods `tests/testthat/testFunnels.R` ("Significance for ratios
/// calculates correctly") with `testdata_funnel_ratio_inputs.csv`: every one of the 300
/// ratios classified as PHE does (exact below 10 events, Byar's from 10).
#[test]
fn phe_ratio_significance_all_rows() {
    let data = rows(include_str!("data/phe_funnel_ratio_inputs.csv"));
    assert_eq!(data.len(), 300);
    for (i, (o, e, want)) in data.into_iter().enumerate() {
        assert_eq!(intervals::ratio_significance(o, e), want, "row {} ({o}/{e})", i + 2);
    }
}

/// PHEindicatormethods `tests/testthat/testFunnels.R` ("Significance for proportions
/// calculates correctly") with `testdata_funnel_prop_inputs.csv`: all 303 areas.
#[test]
fn phe_proportion_significance_all_rows() {
    let data = rows(include_str!("data/phe_funnel_prop_inputs.csv"));
    assert_eq!(data.len(), 303);
    let average = data.iter().map(|r| r.0).sum::<f64>() / data.iter().map(|r| r.1).sum::<f64>();
    // Baseline printed in testdata_funnel_prop_outputs.csv.
    assert_eq!(round(average * 100.0, 6), 80.642448);
    for (i, (x, n, want)) in data.into_iter().enumerate() {
        assert_eq!(intervals::proportion_significance(x, n, average), want, "row {}", i + 2);
    }
}

/// PHEindicatormethods `tests/testthat/testdata_funnel_prop_outputs.csv`: the
/// Fingertips proportion funnel (percent) at a selection of the 100 tabulated
/// populations, including the clamped small ones.
#[test]
fn phe_proportion_funnel_limits() {
    let baseline = 0.80642448; // printed to 6 dp in percent
    // population, lower 2s, upper 2s, lower 3s, upper 3s (percent)
    let table = [
        (1.0, 3.204264, 100.0, 0.0, 100.0),
        (3.0, 35.933491, 100.0, 10.150815, 100.0),
        (10.0, 56.154344, 100.0, 42.03259, 100.0),
        (18.0, 62.390093, 98.894803, 51.864359, 100.0),
        (41.0, 68.548635, 92.73626, 61.574398, 99.710497),
        (50.0, 69.691035, 91.593861, 63.375595, 97.909301),
        (102.0, 72.974925, 88.309971, 68.553233, 92.731663),
        (1008.0, 78.203374, 83.081521, 76.796814, 84.488082),
        (9998.0, 79.867989, 81.416907, 79.421375, 81.863521),
        (110000.0, 80.408963, 80.875933, 80.274317, 81.010578),
    ];
    let z95 = failwell_stats::dist::normal_quantile(0.975);
    let z998 = failwell_stats::dist::normal_quantile(0.999);
    for (n, l2, u2, l3, u3) in table {
        let a = wilson_inverted_limits(baseline, n, z95);
        let b = wilson_inverted_limits(baseline, n, z998);
        for (got, want) in [(a.lower, l2), (a.upper, u2), (b.lower, l3), (b.upper, u3)] {
            // 6 dp in percent; the baseline itself is rounded to 6 dp.
            assert!((got * 100.0 - want).abs() < 2e-6, "n={n}: {} vs {want}", got * 100.0);
        }
    }
}

/// PHEindicatormethods `tests/testthat/testdata_funnel_ratio_outputs.csv`: expected
/// events at which an observed count sits on the 95% and 99.8% funnel, and the ISR at
/// that point. PHE finds these by bisection, stopping when the step on
/// v = E/(1 + O + E) falls below 1e-7; ours are exact chi-squared quantiles, so we agree
/// to within PHE's own bisection error, 1e-7·(1 + O)/(1 − v)² (two steps allowed).
#[test]
fn phe_ratio_funnel_table() {
    // observed, lower_2s_exp, upper_2s_exp, lower_3s_exp, upper_3s_exp, lower_2s_isr
    let table = [
        (1.0, 5.571644585, 0.025317898, 9.233410143, 0.001000547, 17.94802207),
        (2.0, 7.224687515, 0.242209467, 11.22886836, 0.04540199, 27.6828582),
        (10.0, 18.39035799, 4.795387629, 24.13397235, 2.960519925, 54.3763205),
        (33.0, 46.34427966, 22.71567629, 54.89565059, 18.04631223, 71.206199),
        (100.0, 121.6268111, 81.36400699, 134.9243187, 71.92139974, 82.21871402),
        (716.0, 770.4222128, 664.5083011, 802.60414, 636.1521174, 92.93605352),
    ];
    for (o, l2, u2, l3, u3, isr) in table {
        let (a_lo, a_hi) = ratio_funnel_expected(o, 0.95);
        let (b_lo, b_hi) = ratio_funnel_expected(o, 0.998);
        for (got, want) in [(a_lo, l2), (a_hi, u2), (b_lo, l3), (b_hi, u3)] {
            let v = want / (1.0 + o + want);
            let tolerance = 2.0e-7 * (1.0 + o) / ((1.0 - v) * (1.0 - v));
            assert!((got - want).abs() < tolerance, "obs {o}: {got} vs {want}");
        }
        assert!((100.0 * o / a_lo - isr).abs() / isr < 1e-6);
    }
}

/// Wilson score intervals against Newcombe (1998, Stat Med 17:857, table I, method 3),
/// the worked examples PHEindicatormethods cites for `wilson_lower`/`wilson_upper`.
#[test]
fn wilson_matches_newcombe() {
    let cases = [
        (81.0, 263.0, 0.2553, 0.3662),
        (15.0, 148.0, 0.0624, 0.1605),
        (0.0, 20.0, 0.0, 0.1611),
        (1.0, 29.0, 0.0061, 0.1718),
        (29.0, 29.0, 0.8830, 1.0),
    ];
    for (x, n, lo, hi) in cases {
        assert_eq!(round(wilson_lower(x, n, 95.0), 4), lo, "{x}/{n}");
        assert_eq!(round(wilson_upper(x, n, 0.95), 4), hi, "{x}/{n}");
    }
    // PHE accepts confidence 1 (100%): the whole unit interval.
    assert_eq!(wilson_lower(65.0, 100.0, 1.0), 0.0);
    assert_eq!(wilson_upper(65.0, 100.0, 1.0), 1.0);
}

/// Byar's approximation tracks the exact interval closely from about 10 events, which is
/// why Fingertips switches at 10; below that it can go negative (PHE returns NA).
#[test]
fn byars_close_to_exact() {
    for (o, c) in [(10.0, 0.95), (65.0, 0.95), (65.0, 0.998), (1045.0, 0.95), (1045.0, 0.998)] {
        {
            let b = intervals::count_interval(o, c, CountInterval::Byars);
            let e = intervals::count_interval(o, c, CountInterval::Exact);
            assert!(((b.lower - e.lower) / e.lower).abs() < 0.01, "lower {o} {c}");
            assert!(((b.upper - e.upper) / e.upper).abs() < 0.01, "upper {o} {c}");
        }
    }
    assert_eq!(intervals::byars_lower(1.0, 0.998), None);
    assert_eq!(intervals::byars_lower(0.0, 0.95), Some(0.0));
    // Exact interval of 1 event at 95%: (−ln 0.975, χ²(0.975, 4)/2), as in the PHE ratio
    // table (which prints 0.025317898 from its bisection).
    let e = intervals::count_interval(1.0, 0.95, CountInterval::Exact);
    assert!((e.lower - -(0.975f64.ln())).abs() < 1e-12, "{e:?}");
    // Upper: the root of 1 − e^(−y)(1 + y) = 0.975 is 5.5716433909; PHE prints
    // 5.571644585, within its bisection error (see `phe_ratio_funnel_table`).
    assert!((e.upper - 5.5716433909).abs() < 1e-9, "{e:?}");
    assert!((e.upper - 5.571644585).abs() < 2e-6);
}

// ------------------------------------------------------------------- Spiegelhalter

/// Exact limits converge on the normal ones as counts grow, and differ where the
/// normal approximation fails (small counts, where its lower limit hits zero).
#[test]
fn exact_limits_converge_to_normal() {
    let exact = FunnelConfig::ratio();
    let normal = FunnelConfig::ratio().with_limits(LimitMethod::Normal);
    let big = analyse(&[10_000.0], &[10_000.0], &exact).unwrap().units[0];
    let big_n = analyse(&[10_000.0], &[10_000.0], &normal).unwrap().units[0];
    assert!((big.limits_998.upper - big_n.limits_998.upper).abs() < 2e-3);
    let small = analyse(&[1.0], &[2.0], &exact).unwrap().units[0];
    let small_n = analyse(&[1.0], &[2.0], &normal).unwrap().units[0];
    assert_eq!(small_n.limits_998.lower, 0.0);
    assert!(small.limits_998.upper > small_n.limits_998.upper);
}

/// Spiegelhalter's interpolated limit, worked by hand for Poisson(5): the 97.5% quantile
/// is r = 10 with F(10) = 0.986305, F(9) = 0.968172, so the upper limit is
/// (10 − (0.986305 − 0.975)/0.018133)/5 = 1.87531.
#[test]
fn spiegelhalter_interpolation_by_hand() {
    let f = analyse(&[5.0], &[5.0], &FunnelConfig::ratio()).unwrap();
    assert!((f.units[0].limits_95.upper - 1.875312).abs() < 1e-6, "{:?}", f.units[0]);
}

/// Multiplicative over-dispersion widens every limit by √φ on the natural scale.
#[test]
fn multiplicative_overdispersion_scales_normal_limits() {
    let obs = [30.0, 80.0, 55.0, 140.0, 20.0, 95.0, 60.0, 210.0, 45.0, 70.0];
    let exp = [50.0, 60.0, 55.0, 100.0, 35.0, 90.0, 80.0, 150.0, 40.0, 60.0];
    let cfg =
        FunnelConfig::ratio().with_limits(LimitMethod::Normal).with_overdispersion(Overdispersion::multiplicative());
    let f = analyse(&obs, &exp, &cfg).unwrap();
    let Adjustment::Multiplicative { phi } = f.model.adjustment else {
        panic!("expected φ > 1, got {:?}", f.dispersion)
    };
    assert!(phi > 1.0);
    for u in &f.units {
        let se = (1.0 / u.denominator).sqrt();
        let want = 1.0 + 1.959_963_985 * phi.sqrt() * se;
        assert!((u.limits_95.upper - want).abs() < 1e-7);
        assert!((u.z_adjusted - u.z / phi.sqrt()).abs() < 1e-12);
    }
    let phrase = f.method_phrase();
    assert!(phrase.contains("multiplicative") && phrase.contains("10% winsorised"), "{phrase}");
}

/// The explanation names the rule, the value, the limit and the method.
#[test]
fn explanation_sentence() {
    let mut obs = vec![100.0; 20];
    let mut exp = vec![100.0; 20];
    obs[0] = 412.0;
    exp[0] = 350.0;
    obs[1] = 160.0;
    let cfg = FunnelConfig::ratio()
        .with_overdispersion(Overdispersion::Multiplicative { scale: Scale::Natural, trim: Trim::Winsorise(0.1) });
    let f = analyse(&obs, &exp, &cfg).unwrap();
    let flags: Vec<_> = f.flags().collect();
    assert!(flags.iter().any(|fl| fl.index == 1));
    let fl = f.flag(1).unwrap();
    assert_eq!(fl.classification, Classification::Above998);
    let s = fl.sentence("Trust RXX");
    assert!(
        s.starts_with("Trust RXX: 160 observed against 100 expected (ratio 1.60) lies above the 99.8% upper limit"),
        "{s}"
    );
    assert!(s.contains("exact Poisson limits"), "{s}");
    let json = serde_json::to_value(&fl).unwrap();
    assert_eq!(json["classification"], "above998");
    assert_eq!(json["level"], "99.8");
}

#[test]
fn rejects_bad_input() {
    let cfg = FunnelConfig::proportion();
    assert!(analyse(&[5.0], &[4.0], &cfg).is_err());
    assert!(analyse(&[1.0], &[0.0], &cfg).is_err());
    assert!(analyse(&[], &[], &cfg).is_err());
    assert!(analyse(&[1.0, 2.0], &[3.0], &cfg).is_err());
    let bad = FunnelConfig::ratio().with_limits(LimitMethod::WilsonInverted);
    assert!(analyse(&[1.0], &[3.0], &bad).is_err());
}

#[test]
fn proportion_funnel_target_is_pooled() {
    let f = analyse(&[5.0, 35.0], &[100.0, 100.0], &FunnelConfig::proportion()).unwrap();
    assert!((f.model.target - 0.2).abs() < 1e-12);
    assert_eq!(f.model.measure, Measure::Proportion);
    assert_eq!(f.units[0].classification, Classification::Below998);
    assert_eq!(f.units[1].classification, Classification::Above998);
}

proptest! {
    /// Limits narrow as the denominator grows (compared at 4× to step over the small
    /// wiggles of interpolated discrete limits).
    #[test]
    fn limits_narrow_with_denominator(d in 1.0f64..5_000.0, t in 0.02f64..0.9, ratio in any::<bool>()) {
        let (cfg, num) = if ratio {
            (FunnelConfig::ratio().with_target(t * 2.0), 0.0)
        } else {
            (FunnelConfig::proportion().with_target(t), 0.0)
        };
        let f = analyse(&[num, num], &[d, 4.0 * d], &cfg).unwrap();
        let (a, b) = (f.units[0], f.units[1]);
        prop_assert!(b.limits_95.upper - b.limits_95.lower <= a.limits_95.upper - a.limits_95.lower + 1e-12);
        prop_assert!(b.limits_998.upper - b.limits_998.lower <= a.limits_998.upper - a.limits_998.lower + 1e-12);
    }

    /// 99.8% limits lie outside (or on) the 95% ones, for every method.
    #[test]
    fn limits_ordered(d in 0.5f64..100_000.0, t in 0.01f64..0.99, m in 0usize..4, od in 0usize..3) {
        let mut obs = vec![];
        let mut den = vec![];
        for i in 0..12 {
            let di = d * (1.0 + i as f64);
            den.push(di);
            obs.push((t * di * (0.6 + 0.07 * i as f64)).min(di).floor());
        }
        let measure_ratio = m % 2 == 0;
        let base = if measure_ratio { FunnelConfig::ratio() } else { FunnelConfig::proportion() };
        let limits = match m {
            0 => LimitMethod::ExpectedCountInterval,
            1 => LimitMethod::WilsonInverted,
            2 => LimitMethod::Exact,
            _ => LimitMethod::Normal,
        };
        let overdispersion = match od {
            0 => Overdispersion::None,
            1 => Overdispersion::multiplicative(),
            _ => Overdispersion::additive(),
        };
        let cfg = base.with_limits(limits).with_overdispersion(overdispersion);
        let f = analyse(&obs, &den, &cfg).unwrap();
        for u in &f.units {
            prop_assert!(u.limits_998.lower <= u.limits_95.lower + 1e-12, "{:?}", u);
            prop_assert!(u.limits_998.upper >= u.limits_95.upper - 1e-12, "{:?}", u);
            prop_assert!(u.limits_95.lower <= f.model.target + 1e-12);
            prop_assert!(u.limits_95.upper >= f.model.target - 1e-12);
        }
    }
}
