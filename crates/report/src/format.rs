//! Numbers as a planner says them: "£2.2m", "19", "92 %", with a real minus sign, and which
//! KPIs are read per year. Used by the report, the charts and the terminal alike.

use carepath_engine::{Metric, Summary};

/// Whether a KPI is a total over the period that a planner reads per year (counts, bed-days,
/// money); rates, means and percentages are already per day or per year.
pub fn per_year(m: Metric) -> bool {
    matches!(m.unit(), "count" | "bed-days" | "£")
}

/// Years in the reported period (at least a day's worth).
pub fn years(s: &Summary) -> f64 {
    (s.days as f64 / 365.25).max(1.0 / 365.25)
}

/// The financial years of the reported period, as `2024/25`.
pub fn financial_years(s: &Summary) -> Vec<String> {
    s.periods
        .iter()
        .filter(|p| p.period != carepath_engine::Period::Overall)
        .map(|p| p.period.to_string())
        .collect()
}

/// The value a planner reads: per year for totals, as is otherwise.
pub fn shown(m: Metric, s: &Summary, x: f64) -> f64 {
    if per_year(m) {
        x / years(s)
    } else {
        x
    }
}

/// The unit as words for a table or axis: "a year", "£ a year", "%".
pub fn unit_words(m: Metric) -> String {
    let unit = match m.unit() {
        "count" => "",
        "patients" => "young people",
        u => u,
    };
    match (per_year(m), unit) {
        (true, "") => "a year".into(),
        (true, u) => format!("{u} a year"),
        (false, u) => u.into(),
    }
}

/// `1,234,567` from a number already rounded to whole units.
fn grouped(x: f64) -> String {
    let s = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn sign(x: f64, always: bool) -> &'static str {
    if x < 0.0 {
        "−"
    } else if always && x > 0.0 {
        "+"
    } else {
        ""
    }
}

/// A plain number: whole above 10, one decimal below; thousands separated.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let digits = if x.abs() >= 9.95 { 0 } else { 1 };
    let r = round_to(x, digits);
    if r == 0.0 {
        return "0".into();
    }
    let body = if digits == 0 {
        grouped(r)
    } else {
        format!("{:.1}", r.abs())
    };
    format!("{}{body}", sign(r, false))
}

fn round_to(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Money: `£2.2m`, `£850k`, `£640`, `−£1.6m`.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let a = x.abs();
    let body = if a >= 99.95e6 {
        format!("£{}m", grouped((a / 1e6).round()))
    } else if a >= 0.9995e6 {
        format!("£{:.1}m", a / 1e6)
    } else if a >= 999.5 {
        format!("£{:.0}k", a / 1e3)
    } else {
        format!("£{a:.0}")
    };
    if body == "£0" {
        return body;
    }
    format!("{}{body}", sign(x, false))
}

/// A value in its unit, as shown in tables: money as £m/£k, percentages with " %", others as
/// [`number`].
pub fn value(m: Metric, x: f64) -> String {
    match m.unit() {
        "£" => money(x),
        "%" | "% of days" => {
            if x.is_finite() {
                format!("{} %", number(x))
            } else {
                "–".into()
            }
        }
        _ => number(x),
    }
}

/// A difference: always signed (`+19`, `−£1.6m`, `0`).
pub fn signed(m: Metric, x: f64) -> String {
    let v = value(m, x);
    if x.is_finite() && x > 0.0 && v != "0" && v != "£0" && !v.starts_with("0 ") {
        format!("+{v}")
    } else {
        v
    }
}

/// A 95 % CI as `a to b`.
pub fn interval(m: Metric, lo: f64, hi: f64) -> String {
    if lo.is_finite() && hi.is_finite() {
        format!("{} to {}", value(m, lo), value(m, hi))
    } else {
        "–".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_a_planner_says_it() {
        assert_eq!(money(76_662_848.0), "£76.7m");
        assert_eq!(money(-1_583_657.0), "−£1.6m");
        assert_eq!(money(850_400.0), "£850k");
        assert_eq!(money(640.0), "£640");
        assert_eq!(money(0.2), "£0");
        assert_eq!(money(123_456_789.0), "£123m");
        assert_eq!(money(f64::NAN), "–");
    }

    #[test]
    fn counts_are_whole_and_signed_with_a_real_minus() {
        assert_eq!(number(1234.4), "1,234");
        assert_eq!(number(19.4), "19");
        assert_eq!(number(3.44), "3.4");
        assert_eq!(number(-0.01), "0");
        assert_eq!(number(-42.0), "−42");
        assert_eq!(signed(Metric::OapPlacements, 19.0), "+19");
        assert_eq!(signed(Metric::Cost, -2.2e6), "−£2.2m");
        assert_eq!(value(Metric::Occupancy, 91.7), "92 %");
        assert_eq!(unit_words(Metric::Cost), "£ a year");
        assert_eq!(unit_words(Metric::OapPlacements), "a year");
    }
}
