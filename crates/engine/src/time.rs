//! Simulation time and the calendar.
//!
//! The clock is a plain `f64` count of days (fractions are times of day). Day 0 is the start of
//! the warm-up; the reported horizon starts `warmup` days later, on the scenario's start date.
//! This module is the only place that converts between clock times, calendar dates and
//! financial years, so an off-by-one in date handling has one home.

use crate::results::FinancialYear;
use chrono::{Datelike, NaiveDate, Weekday};

/// Maps clock times to calendar dates.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    /// The first reported day.
    pub start_date: NaiveDate,
    /// Clock time of the start date's midnight.
    pub warmup: f64,
    /// Reported days.
    pub days: u32,
}

impl Calendar {
    /// Clock time at the start of `date`, which may fall in the warm-up (negative offsets).
    pub fn time_of(&self, date: NaiveDate) -> f64 {
        self.warmup + (date - self.start_date).num_days() as f64
    }

    /// The date a whole day offset from the start date falls on (negative: warm-up).
    pub fn date_of_offset(&self, offset: i64) -> NaiveDate {
        self.start_date + chrono::Duration::days(offset)
    }

    /// Clock time at which the reported horizon ends.
    pub fn end(&self) -> f64 {
        self.warmup + self.days as f64
    }

    /// Last reported date.
    pub fn last_date(&self) -> NaiveDate {
        self.date_of_offset(self.days as i64 - 1)
    }

    /// Whether a day offset is a weekday (day hospitals are attended Monday to Friday).
    pub fn is_weekday(&self, offset: i64) -> bool {
        !matches!(
            self.date_of_offset(offset).weekday(),
            Weekday::Sat | Weekday::Sun
        )
    }
}

/// The financial year (April to March) a date falls in.
pub fn financial_year(date: NaiveDate) -> FinancialYear {
    FinancialYear(if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    })
}

/// First day of the calendar month after `date`.
pub fn next_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_years_run_april_to_march() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(financial_year(d(2024, 3, 31)).to_string(), "2023/24");
        assert_eq!(financial_year(d(2024, 4, 1)).to_string(), "2024/25");
        assert_eq!(financial_year(d(1999, 12, 31)).to_string(), "1999/00");
    }

    #[test]
    fn clock_and_dates_agree() {
        let cal = Calendar {
            start_date: NaiveDate::from_ymd_opt(2022, 4, 1).unwrap(),
            warmup: 365.0,
            days: 731, // 2023/24 has 29 February
        };
        assert_eq!(cal.time_of(cal.start_date), 365.0);
        assert_eq!(
            cal.time_of(NaiveDate::from_ymd_opt(2022, 2, 1).unwrap()),
            365.0 - 59.0
        );
        assert_eq!(
            cal.last_date(),
            NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()
        );
        assert!(!cal.is_weekday(1)); // 2 April 2022 was a Saturday
    }
}
