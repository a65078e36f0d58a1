//! Wire shapes of the Report API, decoded liberally (see report-api.md §5).
