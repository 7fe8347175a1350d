//! One row per node: what happened to it, through which manager, and how long it took.
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultKind {
    Success = 0,
    Failed = 1,
    Timeout = 2,
    Skipped = 3,
    Cancelled = 4,
}

impl ResultKind {
    /// The Result column, as in the reference's output table.
    pub fn label(self) -> &'static str {
        match self {
            ResultKind::Success => "SUCCESS",
            ResultKind::Failed => "FAILED",
            ResultKind::Timeout => "TIMEOUT",
            ResultKind::Skipped => "SKIPPED",
            ResultKind::Cancelled => "CANCELLED",
        }
    }

    /// FAILED and TIMEOUT are what -FailFast stops on and what the module reports as errors.
    pub fn is_failure(self) -> bool {
        matches!(self, ResultKind::Failed | ResultKind::Timeout)
    }
}

/// What an operation does to its nodes: the verb of its rows and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Stop,
    Start,
    /// A rolling restart: each node stopped gracefully and started again, one at a time.
    Restart,
}

impl Action {
    /// "stop", "start": as in "the stop was sent".
    pub fn noun(self) -> &'static str {
        match self {
            Action::Stop => "stop",
            Action::Start => "start",
            Action::Restart => "restart",
        }
    }

    /// "stopped", "started", "restarted": as in the SKIPPED row "not started: server ...".
    pub fn done(self) -> &'static str {
        match self {
            Action::Stop => "stopped",
            Action::Start => "started",
            Action::Restart => "restarted",
        }
    }

    /// "StopInstance", "StartInstance": the Action column before the node's name.
    pub fn row_prefix(self) -> &'static str {
        match self {
            Action::Stop => "StopInstance",
            Action::Start => "StartInstance",
            Action::Restart => "RestartInstance",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeResult {
    /// The operation that wrote the row.
    pub operation: Action,
    /// `10.0.0.11:7801`
    pub manager: String,
    pub store: String,
    pub instance: String,
    pub kind: ResultKind,
    pub message: String,
    pub duration: Duration,
    /// The last HTTP status the manager gave for this node, 0 when none.
    pub http_status: u16,
    /// A restart's row: how long the node was down, from its stop request being sent to Running observed; None
    /// when the node was not taken down (or for a stop or a start).
    pub down: Option<Duration>,
}

impl NodeResult {
    /// `StopInstance:orders-1`, `StartInstance:orders-1`, `RestartInstance:orders-1`
    pub fn action(&self) -> String {
        format!("{}:{}", self.operation.row_prefix(), self.instance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_action_match_the_reference_table() {
        let mut row = NodeResult {
            operation: Action::Stop,
            manager: "10.0.0.11:7801".into(),
            store: "OrdersStore".into(),
            instance: "orders-1".into(),
            kind: ResultKind::Success,
            message: "Stopped".into(),
            duration: Duration::from_millis(5),
            http_status: 200,
            down: None,
        };
        assert_eq!(row.action(), "StopInstance:orders-1");
        row.operation = Action::Start;
        assert_eq!(row.action(), "StartInstance:orders-1");
        row.operation = Action::Restart;
        assert_eq!(row.action(), "RestartInstance:orders-1");
        assert_eq!(Action::Restart.noun(), "restart");
        assert_eq!(row.kind.label(), "SUCCESS");
        assert!(ResultKind::Timeout.is_failure() && !ResultKind::Skipped.is_failure());
    }
}
