//! Welch's t-test, two-sided, for the noise verdict (docs/diff.md, "The noise test"). The
//! Student t distribution's CDF is computed here through the regularised incomplete beta
//! function (a continued fraction, as in Numerical Recipes' `betacf`), rather than with a
//! statistics crate: it is the one function the diff needs, and about forty lines.

/// A sample's size, mean and unbiased variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sample {
    pub(crate) n: usize,
    pub(crate) mean: f64,
    pub(crate) variance: f64,
}

/// The two-sided p-value of Welch's t-test for a difference of means, or `None` when a side
/// has fewer than two values (no variance estimate). Two samples without any variance have
/// p = 1 when their means are equal and p = 0 otherwise.
pub(crate) fn p_value(a: Sample, b: Sample) -> Option<f64> {
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let (na, nb) = (a.n as f64, b.n as f64);
    let (sa, sb) = (a.variance.max(0.0) / na, b.variance.max(0.0) / nb);
    let se2 = sa + sb;
    if se2.is_nan() || se2 <= 0.0 || se2.is_infinite() {
        return Some(if a.mean == b.mean { 1.0 } else { 0.0 });
    }
    let t = (b.mean - a.mean) / se2.sqrt();
    // Welch–Satterthwaite degrees of freedom.
    let df = se2 * se2 / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    Some(two_sided_t(t, df))
}

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
pub(crate) fn two_sided_t(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return if t.is_nan() { 1.0 } else { 0.0 };
    }
    let x = df / (df + t * t);
    incomplete_beta(df / 2.0, 0.5, x).clamp(0.0, 1.0)
}

/// The regularised incomplete beta function I_x(a, b).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of the incomplete beta function, by the modified Lentz method.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0, by the Lanczos approximation (g = 7, nine coefficients).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Critical values of Student's t from the standard tables (two-sided, α = 0.05 and 0.01).
    #[test]
    fn matches_the_t_table() {
        for (t, df, p) in [
            (12.706, 1.0, 0.05),
            (4.303, 2.0, 0.05),
            (2.776, 4.0, 0.05),
            (2.228, 10.0, 0.05),
            (2.042, 30.0, 0.05),
            (1.960, 1e7, 0.05),
            (63.657, 1.0, 0.01),
            (3.169, 10.0, 0.01),
            (2.576, 1e7, 0.01),
        ] {
            let got = two_sided_t(t, df);
            assert!((got - p).abs() < p * 0.01, "t={t} df={df}: {got}");
            assert!((two_sided_t(-t, df) - got).abs() < 1e-15);
        }
        assert_eq!(two_sided_t(0.0, 5.0), 1.0);
        assert_eq!(two_sided_t(f64::INFINITY, 5.0), 0.0);
    }

    #[test]
    fn ln_gamma_of_integers_and_halves() {
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn welch_verdicts() {
        let sample = |n, mean, variance| Sample { n, mean, variance };
        assert_eq!(p_value(sample(1, 1.0, 0.0), sample(3, 2.0, 0.1)), None);
        assert_eq!(p_value(sample(2, 1.0, 0.0), sample(2, 1.0, 0.0)), Some(1.0));
        assert_eq!(p_value(sample(2, 1.0, 0.0), sample(2, 2.0, 0.0)), Some(0.0));
        // Equal variances and sizes: Welch's t is Student's, with df = 2n - 2 = 8.
        // t = 1 / sqrt(2 * 0.5 / 5) = 2.236; the table's 2.306 at df 8 is p = 0.05.
        let p = p_value(sample(5, 1.0, 0.5), sample(5, 2.0, 0.5)).expect("estimate");
        assert!(p > 0.05 && p < 0.06, "{p}");
    }
}
