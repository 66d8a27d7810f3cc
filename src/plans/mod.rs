//! Rollout plans (milestones with owners and deadlines). This stage is being built: the
//! deadline parser is here; plan files, status, calendar and the dashboard follow.

pub mod deadline;
