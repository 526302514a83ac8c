//! Time steps and calendar periods: the one place that says where a month,
//! quarter or year starts, what follows it and how it is labelled. The store's
//! snapshot, the layers and the partnership release all count by these periods.

use chrono::{Datelike, Months, NaiveDate};

/// Time steps of the space-time analysis and the trends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Month,
    Quarter,
    Year,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        }
    }

    /// Months in one step.
    pub fn months(self) -> u32 {
        match self {
            Self::Month => 1,
            Self::Quarter => 3,
            Self::Year => 12,
        }
    }
}

/// The start of the period holding `d` (SQL's `date_trunc(step, d)`).
pub fn period_start(d: NaiveDate, step: Step) -> NaiveDate {
    let month = match step {
        Step::Month => d.month(),
        Step::Quarter => (d.month() - 1) / 3 * 3 + 1,
        Step::Year => 1,
    };
    NaiveDate::from_ymd_opt(d.year(), month, 1).unwrap_or(d)
}

/// The start of the period after the one starting at `start`.
pub fn next_period(start: NaiveDate, step: Step) -> NaiveDate {
    start
        .checked_add_months(Months::new(step.months()))
        .unwrap_or(NaiveDate::MAX)
}

/// The start of the period before the one starting at `start`.
pub fn previous_period(start: NaiveDate, step: Step) -> NaiveDate {
    start
        .checked_sub_months(Months::new(step.months()))
        .unwrap_or(start)
}

/// `n` periods after (or, when negative, before) the one starting at `start`.
pub fn shift_periods(start: NaiveDate, step: Step, n: i32) -> NaiveDate {
    let months = Months::new(n.unsigned_abs() * step.months());
    if n >= 0 {
        start.checked_add_months(months).unwrap_or(start)
    } else {
        start.checked_sub_months(months).unwrap_or(start)
    }
}

/// The last day of the period holding `d`.
pub fn period_end(d: NaiveDate, step: Step) -> NaiveDate {
    next_period(period_start(d, step), step)
        .pred_opt()
        .unwrap_or(d)
}

/// Whether the period starting at `start` had ended before the day the
/// reports are current to (`as_of`: the latest load of a report file). A
/// period still running holds part of its reports: set against a whole
/// period it falls by the calendar alone. Without `as_of`, every period is
/// complete.
pub fn period_complete(start: NaiveDate, step: Step, as_of: Option<NaiveDate>) -> bool {
    as_of.is_none_or(|as_of| period_end(start, step) < as_of)
}

/// Period starts from the one holding `first` to the one holding `last`.
pub fn periods(first: NaiveDate, last: NaiveDate, step: Step) -> Vec<NaiveDate> {
    let mut p = period_start(first, step);
    let mut out = Vec::new();
    while p <= last {
        out.push(p);
        p = next_period(p, step);
    }
    out
}

/// A period's label: `2024-03`, `2024-Q1`, `2024`.
pub fn period_label(p: NaiveDate, step: Step) -> String {
    match step {
        Step::Month => p.format("%Y-%m").to_string(),
        Step::Quarter => format!("{}-Q{}", p.year(), (p.month() - 1) / 3 + 1),
        Step::Year => p.year().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn periods_start_step_and_label_as_the_calendar_says() {
        assert_eq!(period_start(d(2024, 5, 17), Step::Quarter), d(2024, 4, 1));
        assert_eq!(period_start(d(2024, 5, 17), Step::Year), d(2024, 1, 1));
        assert_eq!(next_period(d(2024, 10, 1), Step::Quarter), d(2025, 1, 1));
        assert_eq!(previous_period(d(2024, 1, 1), Step::Month), d(2023, 12, 1));
        assert_eq!(
            shift_periods(d(2024, 1, 1), Step::Quarter, -2),
            d(2023, 7, 1)
        );
        assert_eq!(period_end(d(2024, 2, 3), Step::Quarter), d(2024, 3, 31));
        assert_eq!(period_end(d(2024, 2, 3), Step::Month), d(2024, 2, 29));
        assert_eq!(
            periods(d(2023, 12, 31), d(2024, 3, 1), Step::Month),
            vec![d(2023, 12, 1), d(2024, 1, 1), d(2024, 2, 1), d(2024, 3, 1)]
        );
        assert_eq!(period_label(d(2024, 7, 1), Step::Quarter), "2024-Q3");
        assert_eq!(period_label(d(2024, 7, 1), Step::Month), "2024-07");
    }

    #[test]
    fn a_period_is_complete_once_a_load_began_after_its_last_day() {
        let q4 = d(2025, 10, 1);
        for (as_of, complete) in [
            (None, true),
            (Some(d(2025, 11, 15)), false),
            // Loaded during its last day: reports of that day may still come.
            (Some(d(2025, 12, 31)), false),
            (Some(d(2026, 1, 1)), true),
        ] {
            assert_eq!(
                period_complete(q4, Step::Quarter, as_of),
                complete,
                "{as_of:?}"
            );
        }
        assert!(period_complete(
            d(2025, 11, 1),
            Step::Month,
            Some(d(2025, 12, 1))
        ));
        assert!(!period_complete(
            d(2025, 12, 1),
            Step::Month,
            Some(d(2025, 12, 1))
        ));
    }
}
