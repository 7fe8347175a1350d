//! The cluster every manager of one reference server shares: stores, nodes, partition replicas and the
//! migrations that move them when nodes stop.
//!
//! Time is simulated lazily: callers pass "now" (ms since server start) and [`Store::advance`] replays, in order,
//! every migration and stop that fell due since the last call. The outcome depends only on when requests arrive,
//! not on thread scheduling.
use super::layout::{InstanceLayout, Layout, StoreLayout};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreState {
    Active,
    Passive,
}

impl StoreState {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreState::Active => "Active",
            StoreState::Passive => "Passive",
        }
    }

    pub fn parse(text: &str) -> Option<StoreState> {
        if text.eq_ignore_ascii_case("active") {
            Some(StoreState::Active)
        } else if text.eq_ignore_ascii_case("passive") {
            Some(StoreState::Passive)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Running,
    Stopping,
    Stopped,
    /// Started, rejoining: holds no data until it reports Running.
    Starting,
    /// Any other status a layout names: shown as is, holds no data.
    Other(String),
}

impl Status {
    fn from_layout(text: &str) -> Status {
        match text {
            "Running" => Status::Running,
            "Stopping" => Status::Stopping,
            "Stopped" => Status::Stopped,
            "Starting" => Status::Starting,
            other => Status::Other(other.to_string()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Status::Running => "Running",
            Status::Stopping => "Stopping",
            Status::Stopped => "Stopped",
            Status::Starting => "Starting",
            Status::Other(text) => text,
        }
    }
}

#[derive(Debug, Clone)]
struct Node {
    layout: InstanceLayout,
    status: Status,
    /// When a Stopping node reports Stopped: set once it has nothing left to hand off.
    stops_at: Option<u64>,
    /// When a Starting node reports Running (and rejoins).
    starts_at: Option<u64>,
    peak: u32,
    /// Partitions this node loaded back from its own disk when it rejoined (no migration needed).
    restored: u32,
    /// Times this node rejoined after a start.
    rejoins: u32,
    migrated_out: u32,
    received: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    /// A stopping node's replica moves to a running node that lacks the partition.
    Handoff { partition: usize, from: usize },
    /// A partition that lost a copy (forced stop) gets a new backup on a running node.
    Rebuild { partition: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub migration_ms: u64,
    pub stop_delay_ms: u64,
    /// How long a started node takes to rejoin and report Running.
    pub start_delay_ms: u64,
}

/// What a stop request did, for the HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopOutcome {
    /// 202: graceful stop accepted (or already in progress).
    Stopping { migrations_remaining: u32, message: String },
    /// 200: forced stop, done.
    Stopped,
    /// 409.
    AlreadyStopped,
}

/// What a start request did, for the HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// 202: the node is starting (or already was); poll the store until it reports Running.
    Starting,
    /// 409 AlreadyRunning: nothing to do (a re-run is safe).
    AlreadyRunning,
    /// 409 InstanceStopping: a graceful stop is still running; start it once it reports Stopped.
    StillStopping,
}

/// Data accounting of one store, for the loss and pile-up proofs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accounting {
    pub store: String,
    pub state: String,
    pub partitions: u32,
    pub backups: u32,
    /// Partitions with no in-memory copy and no persisted copy left.
    pub lost: u32,
    pub lost_partitions: Vec<u32>,
    /// Completed replica moves (handoffs of stopping nodes plus backup rebuilds after forced stops).
    pub migrations: u64,
    pub migrations_pending: u32,
    /// Partitions with at least one in-memory copy on a Running or Stopping node.
    pub live_partitions: u32,
    /// Partitions with no in-memory copy that survive on the disk of a stopped node.
    pub persisted_only: u32,
    pub per_instance: Vec<InstanceAccounting>,
    /// The most nodes of the store not Running at the same moment since the store was created (or reset):
    /// a rolling restart keeps it at 1.
    pub max_down: u32,
    /// Nodes not Running now.
    pub down: u32,
    /// Every status change, oldest first (the last STATUS_CHANGES_KEPT).
    pub status_changes: Vec<StatusChange>,
}

/// One node changing status, at the model's time (ms since server start, the clock of the request log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub at_ms: u64,
    pub instance: String,
    pub status: String,
    /// Nodes of the store not Running right after this change.
    pub down: u32,
}

/// How many status changes a store keeps for its accounting: enough for any test, bounded for long benches.
pub const STATUS_CHANGES_KEPT: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceAccounting {
    pub name: String,
    pub status: String,
    /// Replicas (distinct partitions) held in memory now.
    pub held: u32,
    /// Most replicas ever held at once.
    pub peak: u32,
    /// Partitions this node wrote to disk when it stopped.
    pub persisted: u32,
    pub migrated_out: u32,
    pub received: u32,
    /// Partitions loaded back from this node's own disk when it rejoined.
    pub restored: u32,
    pub rejoins: u32,
}

#[derive(Debug, Clone)]
pub struct Store {
    layout: StoreLayout,
    timing: Timing,
    state: StoreState,
    nodes: Vec<Node>,
    /// Per partition: nodes holding it in memory.
    live: Vec<Vec<usize>>,
    /// Per partition: stopped nodes holding it on disk.
    persisted: Vec<Vec<usize>>,
    /// Migrations run one at a time, each taking `timing.migration_ms`.
    queue: VecDeque<Task>,
    head: Option<Task>,
    head_started: u64,
    migrations: u64,
    lost: Vec<u32>,
    max_down: u32,
    changes: VecDeque<StatusChange>,
    /// A node by name (its first entry, as a scan would find it), and how many nodes are in each status that
    /// matters here, kept by `set_status`: each request used to scan every node for them, which made a
    /// whole-store stop's work in this manager grow with the square of the store (issue 25).
    by_name: HashMap<String, usize>,
    counts: StatusCounts,
}

#[derive(Debug, Clone, Copy, Default)]
struct StatusCounts {
    running: usize,
    stopping: usize,
    starting: usize,
}

impl StatusCounts {
    fn slot(&mut self, status: &Status) -> Option<&mut usize> {
        match status {
            Status::Running => Some(&mut self.running),
            Status::Stopping => Some(&mut self.stopping),
            Status::Starting => Some(&mut self.starting),
            Status::Stopped | Status::Other(_) => None,
        }
    }
}

impl Store {
    pub fn new(layout: &StoreLayout, timing: Timing) -> Store {
        let partitions = layout.partitions as usize;
        let nodes: Vec<Node> = layout
            .instances
            .iter()
            .map(|instance| Node {
                layout: instance.clone(),
                status: Status::from_layout(&instance.status),
                stops_at: None,
                starts_at: None,
                peak: 0,
                migrated_out: 0,
                received: 0,
                restored: 0,
                rejoins: 0,
            })
            .collect();
        let running: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].status == Status::Running).collect();
        let mut by_name = HashMap::new();
        let mut counts = StatusCounts::default();
        for (i, node) in nodes.iter().enumerate() {
            by_name.entry(node.layout.name.clone()).or_insert(i);
            if let Some(count) = counts.slot(&node.status) {
                *count += 1;
            }
        }
        let copies = (layout.backups as usize + 1).min(running.len());
        // Round-robin like a fresh cluster: partition p's primary on running node p, its backups on the next ones.
        let live = (0..partitions).map(|p| (0..copies).map(|r| running[(p + r) % running.len()]).collect()).collect();
        let mut store = Store {
            layout: layout.clone(),
            timing,
            state: StoreState::Active,
            nodes,
            live,
            persisted: vec![Vec::new(); partitions],
            queue: VecDeque::new(),
            head: None,
            head_started: 0,
            migrations: 0,
            lost: Vec::new(),
            max_down: 0,
            changes: VecDeque::new(),
            by_name,
            counts,
        };
        store.max_down = store.down_count();
        for i in 0..store.nodes.len() {
            store.nodes[i].peak = store.held(i);
        }
        store
    }

    pub fn name(&self) -> &str {
        &self.layout.name
    }

    pub fn state(&self) -> StoreState {
        self.state
    }

    pub fn find(&self, instance: &str) -> Option<usize> {
        self.by_name.get(instance).copied()
    }

    pub fn server(&self, node: usize) -> &str {
        &self.nodes[node].layout.server
    }

    pub fn instance_names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.layout.name.clone()).collect()
    }

    pub fn status(&self, node: usize) -> &str {
        self.nodes[node].status.as_str()
    }

    /// Replays every migration and stop that fell due up to `now`.
    pub fn advance(&mut self, now: u64) {
        loop {
            let task_due = match self.state {
                StoreState::Active if !self.queue.is_empty() => Some(self.head_started + self.timing.migration_ms),
                _ => None,
            };
            // Scanned only while some node is stopping or starting: a forced stop leaves none.
            let stop_due = self.earliest(Status::Stopping, self.counts.stopping, |n| n.stops_at);
            let start_due = self.earliest(Status::Starting, self.counts.starting, |n| n.starts_at);
            // Node events (stops, then rejoins) due no later than the head migration happen first.
            let node_due = match (stop_due, start_due) {
                (Some(stop), Some(start)) if start.0 < stop.0 => Some((start, false)),
                (Some(stop), _) => Some((stop, true)),
                (None, Some(start)) => Some((start, false)),
                (None, None) => None,
            };
            match (task_due, node_due) {
                (Some(t), event) if t <= now && event.map_or(true, |((at, _), _)| t <= at) => self.complete_head(t),
                (_, Some(((t, node), true))) if t <= now => self.finish_stop(node, t),
                (_, Some(((t, node), false))) if t <= now => self.finish_start(node, t),
                _ => break,
            }
        }
    }

    /// The earliest due time (and node) among the `count` nodes in `status`; no scan when there are none.
    fn earliest(&self, status: Status, count: usize, due: impl Fn(&Node) -> Option<u64>) -> Option<(u64, usize)> {
        if count == 0 {
            return None;
        }
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].status == status)
            .filter_map(|i| due(&self.nodes[i]).map(|t| (t, i)))
            .min()
    }

    pub fn stop(&mut self, node: usize, force: bool, now: u64) -> StopOutcome {
        self.advance(now);
        match (&self.nodes[node].status, force) {
            (Status::Stopped, _) => StopOutcome::AlreadyStopped,
            (_, true) => {
                self.force_stop(node, now);
                StopOutcome::Stopped
            }
            (Status::Stopping, false) => StopOutcome::Stopping {
                migrations_remaining: self.handoffs_of(node),
                message: format!("already stopping: {} migrations remaining", self.handoffs_of(node)),
            },
            (_, false) => self.graceful_stop(node, now),
        }
    }

    pub fn set_state(&mut self, state: StoreState, now: u64) {
        self.advance(now);
        if self.state == state {
            return;
        }
        self.state = state;
        // Leaving Passive restarts the frozen head migration from scratch.
        self.head = None;
        self.settle(now);
    }

    /// `POST .../instances/{instance}/start`: a stopped node starts and rejoins after `timing.start_delay_ms`.
    pub fn start(&mut self, node: usize, now: u64) -> StartOutcome {
        self.advance(now);
        match self.nodes[node].status {
            Status::Running => StartOutcome::AlreadyRunning,
            Status::Starting => StartOutcome::Starting,
            Status::Stopping => StartOutcome::StillStopping,
            Status::Stopped | Status::Other(_) => {
                self.set_status(node, Status::Starting, now);
                self.nodes[node].stops_at = None;
                self.nodes[node].starts_at = Some(now + self.timing.start_delay_ms);
                StartOutcome::Starting
            }
        }
    }

    /// The node reports Running. A partition its own disk holds comes back into memory without a migration while
    /// the partition is short of copies: what a Passive store keeps it for, since nothing was re-replicated while
    /// the node was away. Where the others already re-created the copies (Active store), the disk copy is
    /// superseded and dropped. Partitions still short of backups get them by migrations (frozen while Passive).
    fn finish_start(&mut self, node: usize, at: u64) {
        self.set_status(node, Status::Running, at);
        self.nodes[node].starts_at = None;
        self.nodes[node].rejoins += 1;
        let wanted = (self.layout.backups as usize + 1).min(self.running_count());
        for partition in 0..self.persisted.len() {
            if !self.persisted[partition].contains(&node) {
                continue;
            }
            self.persisted[partition].retain(|&n| n != node);
            let running_copies =
                self.live[partition].iter().filter(|&&n| self.nodes[n].status == Status::Running).count();
            if running_copies < wanted {
                self.live[partition].push(node);
                self.nodes[node].restored += 1;
            }
        }
        for partition in 0..self.live.len() {
            if self.needs_rebuild(partition) && !self.queue.contains(&Task::Rebuild { partition }) {
                self.queue.push_back(Task::Rebuild { partition });
            }
        }
        let held = self.held(node);
        let peak = &mut self.nodes[node].peak;
        *peak = (*peak).max(held);
        self.settle(at);
    }

    fn graceful_stop(&mut self, node: usize, now: u64) -> StopOutcome {
        let held = self.held(node);
        self.set_status(node, Status::Stopping, now);
        self.nodes[node].stops_at = None;
        let survivors = self.running_count();
        if self.state == StoreState::Active && survivors > 0 {
            for partition in 0..self.live.len() {
                if self.live[partition].contains(&node) {
                    self.queue.push_back(Task::Handoff { partition, from: node });
                }
            }
        }
        self.settle(now);
        let remaining = self.handoffs_of(node);
        let message = if self.state == StoreState::Passive {
            format!("Stopping: store is passive, persisting {held} partition replicas")
        } else if survivors == 0 {
            format!("Stopping: no other running node, persisting {held} partition replicas")
        } else {
            format!("Stopping: migrating {remaining} partition replicas to the running nodes")
        };
        StopOutcome::Stopping { migrations_remaining: remaining, message }
    }

    fn force_stop(&mut self, node: usize, now: u64) {
        self.set_status(node, Status::Stopped, now);
        self.nodes[node].stops_at = None;
        self.queue.retain(|task| !matches!(task, Task::Handoff { from, .. } if *from == node));
        for partition in 0..self.live.len() {
            if !self.live[partition].contains(&node) {
                continue;
            }
            self.live[partition].retain(|&n| n != node);
            if self.live[partition].is_empty() {
                if self.persisted[partition].is_empty() && !self.lost.contains(&(partition as u32)) {
                    self.lost.push(partition as u32);
                }
            } else if !self.queue.contains(&Task::Rebuild { partition }) {
                self.queue.push_back(Task::Rebuild { partition });
            }
        }
        self.settle(now);
    }

    fn complete_head(&mut self, at: u64) {
        if let Some(task) = self.queue.pop_front() {
            match task {
                Task::Handoff { partition, from } => match self.pick_target(partition) {
                    Some(target) => {
                        self.live[partition].retain(|&n| n != from);
                        self.nodes[from].migrated_out += 1;
                        self.receive(partition, target);
                    }
                    // settle() keeps only movable handoffs, so this is only reached if that invariant breaks.
                    None => self.persist(partition, from),
                },
                Task::Rebuild { partition } => {
                    if self.needs_rebuild(partition) {
                        if let Some(target) = self.pick_target(partition) {
                            self.receive(partition, target);
                        }
                    }
                }
            }
        }
        self.head = None;
        self.settle(at);
    }

    fn finish_stop(&mut self, node: usize, at: u64) {
        self.set_status(node, Status::Stopped, at);
        self.nodes[node].stops_at = None;
        // A graceful stop never drops data: whatever is still in memory goes to disk.
        self.persist_all(node);
        self.settle(at);
    }

    /// Drops migrations that became pointless, turns handoffs that cannot move into persists, gives stopping
    /// nodes with nothing left to hand off their stop time, and (re)starts the clock of the head migration.
    fn settle(&mut self, now: u64) {
        let running = self.running_count();
        let mut kept = VecDeque::new();
        for task in std::mem::take(&mut self.queue) {
            match task {
                Task::Handoff { partition, from } => {
                    if !self.live[partition].contains(&from) {
                        continue;
                    }
                    if self.state == StoreState::Passive || running == 0 {
                        self.persist(partition, from);
                    } else if self.pick_target(partition).is_none() {
                        // Every running node already has it: the stopping node's copy is simply released.
                        self.live[partition].retain(|&n| n != from);
                    } else {
                        kept.push_back(task);
                    }
                }
                // In Passive the queue is frozen, not emptied: rebuilds still due run once the store is Active.
                Task::Rebuild { partition } => {
                    if self.needs_rebuild(partition) {
                        kept.push_back(task);
                    }
                }
            }
        }
        self.queue = kept;
        // Only while some node is stopping (none during a forced stop).
        let scanned = if self.counts.stopping > 0 { self.nodes.len() } else { 0 };
        for node in 0..scanned {
            if self.nodes[node].status == Status::Stopping
                && self.nodes[node].stops_at.is_none()
                && self.handoffs_of(node) == 0
            {
                self.persist_all(node);
                self.nodes[node].stops_at = Some(now + self.timing.stop_delay_ms);
            }
        }
        let head = self.queue.front().copied();
        if head != self.head {
            self.head = head;
            self.head_started = now;
        }
    }

    fn receive(&mut self, partition: usize, target: usize) {
        self.live[partition].push(target);
        self.nodes[target].received += 1;
        self.migrations += 1;
        let held = self.held(target);
        let peak = &mut self.nodes[target].peak;
        *peak = (*peak).max(held);
    }

    fn persist(&mut self, partition: usize, node: usize) {
        self.live[partition].retain(|&n| n != node);
        if !self.persisted[partition].contains(&node) {
            self.persisted[partition].push(node);
        }
    }

    fn persist_all(&mut self, node: usize) {
        for partition in 0..self.live.len() {
            if self.live[partition].contains(&node) {
                self.persist(partition, node);
            }
        }
    }

    /// Every status change goes through here: the accounting's record of it and of the most nodes down at once.
    fn set_status(&mut self, node: usize, status: Status, at: u64) {
        if self.nodes[node].status == status {
            return;
        }
        if let Some(count) = self.counts.slot(&self.nodes[node].status) {
            *count -= 1;
        }
        if let Some(count) = self.counts.slot(&status) {
            *count += 1;
        }
        self.nodes[node].status = status;
        let down = self.down_count();
        self.max_down = self.max_down.max(down);
        if self.changes.len() == STATUS_CHANGES_KEPT {
            self.changes.pop_front();
        }
        self.changes.push_back(StatusChange {
            at_ms: at,
            instance: self.nodes[node].layout.name.clone(),
            status: self.nodes[node].status.as_str().to_string(),
            down,
        });
    }

    fn down_count(&self) -> u32 {
        (self.nodes.len() - self.counts.running) as u32
    }

    fn running_count(&self) -> usize {
        self.counts.running
    }

    /// The running node lacking the partition that holds the fewest replicas (first in layout order on ties).
    fn pick_target(&self, partition: usize) -> Option<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].status == Status::Running && !self.live[partition].contains(&i))
            .min_by_key(|&i| (self.held(i), i))
    }

    fn needs_rebuild(&self, partition: usize) -> bool {
        let holders = &self.live[partition];
        let running_copies = holders.iter().filter(|&&n| self.nodes[n].status == Status::Running).count();
        let wanted = (self.layout.backups as usize + 1).min(self.running_count());
        !holders.is_empty() && running_copies < wanted && self.pick_target(partition).is_some()
    }

    fn held(&self, node: usize) -> u32 {
        self.live.iter().filter(|holders| holders.contains(&node)).count() as u32
    }

    fn handoffs_of(&self, node: usize) -> u32 {
        self.queue.iter().filter(|task| matches!(task, Task::Handoff { from, .. } if *from == node)).count() as u32
    }

    /// Pending migrations that touch the node: its own handoffs and rebuilds of partitions it holds.
    fn pending_for(&self, node: usize) -> u32 {
        self.queue
            .iter()
            .filter(|task| match task {
                Task::Handoff { from, .. } => *from == node,
                Task::Rebuild { partition } => self.live[*partition].contains(&node),
            })
            .count() as u32
    }

    /// `GET /admin/v1/stores/{store}`.
    pub fn to_json(&self) -> Value {
        let instances: Vec<Value> = (0..self.nodes.len())
            .map(|i| {
                let node = &self.nodes[i];
                json!({
                    "name": node.layout.name,
                    "server": node.layout.server,
                    "clustronPort": node.layout.clustron_port,
                    "clientPort": node.layout.client_port,
                    "status": node.status.as_str(),
                    "migrationsRemaining": self.handoffs_of(i),
                })
            })
            .collect();
        json!({
            "name": self.layout.name,
            "state": self.state.as_str(),
            "partitions": self.layout.partitions,
            "backups": self.layout.backups,
            "instances": instances,
        })
    }

    /// `GET /admin/v1/stores/{store}/safety`: safe when nothing is pending and no backup is being rebuilt.
    pub fn safety_json(&self) -> Value {
        let pending = self.queue.len();
        let in_sync = !self.queue.iter().any(|t| matches!(t, Task::Rebuild { .. }));
        let instances: Vec<Value> = (0..self.nodes.len())
            .map(|i| {
                let pending = self.pending_for(i);
                json!({"name": self.nodes[i].layout.name, "safe": pending == 0, "migrationsPending": pending})
            })
            .collect();
        json!({
            "safe": pending == 0 && in_sync,
            "migrationsPending": pending,
            "backupsInSync": in_sync,
            "state": self.state.as_str(),
            "instances": instances,
        })
    }

    pub fn accounting(&self) -> Accounting {
        let live_partitions = self.live.iter().filter(|h| !h.is_empty()).count() as u32;
        let persisted_only =
            (0..self.live.len()).filter(|&p| self.live[p].is_empty() && !self.persisted[p].is_empty()).count() as u32;
        let mut lost_partitions = self.lost.clone();
        lost_partitions.sort_unstable();
        Accounting {
            store: self.layout.name.clone(),
            state: self.state.as_str().to_string(),
            partitions: self.layout.partitions,
            backups: self.layout.backups,
            lost: lost_partitions.len() as u32,
            lost_partitions,
            migrations: self.migrations,
            migrations_pending: self.queue.len() as u32,
            live_partitions,
            persisted_only,
            per_instance: (0..self.nodes.len())
                .map(|i| InstanceAccounting {
                    name: self.nodes[i].layout.name.clone(),
                    status: self.nodes[i].status.as_str().to_string(),
                    held: self.held(i),
                    peak: self.nodes[i].peak,
                    persisted: self.persisted.iter().filter(|p| p.contains(&i)).count() as u32,
                    migrated_out: self.nodes[i].migrated_out,
                    received: self.nodes[i].received,
                    restored: self.nodes[i].restored,
                    rejoins: self.nodes[i].rejoins,
                })
                .collect(),
            max_down: self.max_down,
            down: self.down_count(),
            status_changes: self.changes.iter().cloned().collect(),
        }
    }

    /// `GET /_control/instances/{store}`.
    pub fn instances_json(&self) -> Value {
        let instances: Vec<Value> = (0..self.nodes.len())
            .map(|i| {
                json!({
                    "name": self.nodes[i].layout.name,
                    "server": self.nodes[i].layout.server,
                    "status": self.nodes[i].status.as_str(),
                    "migrationsRemaining": self.handoffs_of(i),
                    "held": self.held(i),
                })
            })
            .collect();
        json!({"store": self.layout.name, "state": self.state.as_str(), "instances": instances})
    }
}

/// All stores of one reference server.
#[derive(Debug, Clone)]
pub struct Cluster {
    layout: Layout,
    timing: Timing,
    stores: Vec<Store>,
}

impl Cluster {
    pub fn new(layout: &Layout, timing: Timing) -> Cluster {
        Cluster {
            layout: layout.clone(),
            timing,
            stores: layout.stores.iter().map(|s| Store::new(s, timing)).collect(),
        }
    }

    pub fn reset(&mut self) {
        *self = Cluster::new(&self.layout.clone(), self.timing);
    }

    /// The named store, brought up to date with `now`.
    pub fn store(&mut self, name: &str, now: u64) -> Option<&mut Store> {
        let store = self.stores.iter_mut().find(|s| s.name() == name)?;
        store.advance(now);
        Some(store)
    }

    pub fn store_names(&self) -> Vec<String> {
        self.stores.iter().map(|s| s.name().to_string()).collect()
    }
}
