//! Rollout plans: milestones with owners and deadline windows, expanded per branch,
//! completed by a check-off or by a metric over the roster and the platform; their status
//! on a day, a calendar, a Gantt chart and reminders.

pub mod checkoff;
pub mod deadline;
pub mod import;
pub mod measure;
pub mod model;
pub mod render;
pub mod status;
