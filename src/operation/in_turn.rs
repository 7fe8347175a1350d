//! Store-level requests (the safety check, the store state) go to the manager that answered discovery, and to
//! the other targeted managers in turn when it does not answer: the store is cluster-wide, any of them can tell.
use crate::net::address::ManagerEndpoint;
use crate::net::retry::{Asked, Patience};

/// Asks the discovering manager first, then the other targeted managers, each with the share of the time left of
/// one among those not yet tried; the first answer wins. GaveUp only when none answered.
pub(super) fn in_turn<T>(
    candidates: &[&ManagerEndpoint],
    log: &dyn Fn(String),
    asked: &str,
    mut ask: impl FnMut(&ManagerEndpoint, &mut Patience) -> Asked<T>,
) -> Asked<T> {
    let mut silent: Vec<String> = Vec::new();
    for (i, manager) in candidates.iter().enumerate() {
        let mut patience = Patience::new(candidates.len() - i);
        match ask(manager, &mut patience) {
            Asked::GaveUp(summary) => {
                if let Some(next) = candidates.get(i + 1) {
                    log(format!("Manager {} did not answer {} ({}); asking {}", manager, asked, summary, next));
                }
                silent.push(format!("{}: {}", manager, summary));
            }
            other => return other,
        }
    }
    Asked::GaveUp(silent.join("; "))
}
