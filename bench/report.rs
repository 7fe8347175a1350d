//! The ratios a run ends with, and the check that every timed stop really stopped what it was asked to.
use clustron_dkv::{NodeResult, ResultKind};

pub struct Ratio {
    pub name: String,
    pub value: f64,
    /// e.g. "<= 1.15"; None when the issue sets no goal.
    pub goal: Option<(f64, &'static str)>,
    pub meaning: String,
}

impl Ratio {
    pub fn new(name: impl Into<String>, numerator: f64, denominator: f64, meaning: impl Into<String>) -> Ratio {
        Ratio { name: name.into(), value: numerator / denominator, goal: None, meaning: meaning.into() }
    }

    /// A goal of the form "value <= limit".
    pub fn at_most(mut self, limit: f64) -> Ratio {
        self.goal = Some((limit, "<="));
        self
    }

    pub fn verdict(&self) -> &'static str {
        match self.goal {
            None => "",
            Some((limit, _)) if self.value <= limit => "met",
            Some(_) => "NOT met",
        }
    }
}

pub fn print_ratios(ratios: &[Ratio]) {
    println!("== Ratios measured in this run");
    let mut table = crate::table::Table::new(&["ratio", "value", "goal", "verdict"]);
    for r in ratios {
        let goal = r.goal.map(|(limit, op)| format!("{} {:.2}", op, limit)).unwrap_or_default();
        table.row(vec![r.name.clone(), format!("{:.3}", r.value), goal, r.verdict().to_string()]);
    }
    print!("{}", table.render());
    for r in ratios {
        println!("  {}: {}", r.name, r.meaning);
    }
}

/// A timing only counts when the stop did what was asked: `expected` rows, every one SUCCESS.
pub fn all_succeeded(what: &str, rows: &[NodeResult], expected: usize) -> Result<(), String> {
    if rows.len() != expected {
        return Err(format!("{}: {} rows, expected {}", what, rows.len(), expected));
    }
    match rows.iter().find(|r| r.kind != ResultKind::Success) {
        Some(bad) => Err(format!(
            "{}: {} on {} was {} ({}); the timing would be meaningless",
            what,
            bad.instance,
            bad.manager,
            bad.kind.label(),
            bad.message
        )),
        None => Ok(()),
    }
}
