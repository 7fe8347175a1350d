//! Deciding what to do, without a request of its own: name rules, routing each node to the manager that hosts it,
//! and the plan (which nodes, through which manager, skipped and why, whole store or not).
pub mod names;
pub mod plan;
pub mod route;
