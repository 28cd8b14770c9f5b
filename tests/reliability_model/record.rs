//! What happened: the record a run of a scenario leaves.

use super::*;

// ---------------------------------------------------------------------------
// What happened: the record a run leaves
// ---------------------------------------------------------------------------

common::error_types! {
    /// The error every failing unit returns.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Failure(u32) => "unit {} failed";
}

/// The payload every panicking unit panics with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PanicPayload(u32);

/// How a unit ended on its own (a unit cancelled before it got there has no entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Succeeded,
    Failed,
    Panicked,
}

/// An error tree, reduced to what the checker compares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Summary {
    Failure(u32),
    Timeout,
    Cancelled,
    Other(String),
    Group {
        message: String,
        notes: Vec<String>,
        children: Vec<Summary>,
    },
}

fn summarize(group: &ErrorGroup) -> Summary {
    Summary::Group {
        message: group.message().to_owned(),
        notes: group.notes().to_vec(),
        children: group.children().iter().map(summarize_node).collect(),
    }
}

fn summarize_node(node: &Node) -> Summary {
    match node {
        Node::Group(group) => summarize(group),
        Node::Leaf(leaf) => {
            let error = leaf.error();
            if let Some(Failure(id)) = error.downcast_ref::<Failure>() {
                Summary::Failure(*id)
            } else if error.is::<Timeout>() {
                Summary::Timeout
            } else if error.is::<Cancelled>() {
                Summary::Cancelled
            } else {
                Summary::Other(error.to_string())
            }
        }
    }
}

/// The note a nested group's task adds to the group it fails with.
fn group_note(group: u32) -> String {
    format!("group {group}")
}

#[derive(Debug, Clone)]
enum Outcome {
    Returned(u32),
    Failed(Summary),
    /// The id of our payload, or the message of a foreign panic.
    Panicked(Result<u32, String>),
}

#[derive(Debug, Default)]
struct GroupRecord {
    start: u64,
    end: Option<u64>,
    outcome: Option<Outcome>,
    /// Unit futures of this group still alive when its `run` returned.
    live_at_end: isize,
}

/// A task handle kept for the checks: (group id, unit id, handle).
type KeptHandle = (u32, u32, Arc<AnyHandle>);

/// The handle of a spawned or of a scoped task.
enum AnyHandle {
    Task(TaskHandle<u32>),
    Scoped(ScopedHandle<u32>),
}

impl AnyHandle {
    fn cancel(&self) {
        match self {
            AnyHandle::Task(handle) => handle.cancel(),
            AnyHandle::Scoped(handle) => handle.cancel(),
        }
    }

    fn result(&self) -> Result<u32, TaskError> {
        match self {
            AnyHandle::Task(handle) => handle.result(),
            AnyHandle::Scoped(handle) => handle.result(),
        }
    }
}

struct RecordInner {
    t0: Instant,
    started: Mutex<HashSet<u32>>,
    done: Mutex<HashMap<u32, (Done, u64)>>,
    groups: Mutex<HashMap<u32, GroupRecord>>,
    handles: Mutex<Vec<KeptHandle>>,
    /// Live unit futures per group.
    live: Mutex<HashMap<u32, isize>>,
    /// Live unit futures in all.
    live_total: Live,
}

/// The shared record of one run.
#[derive(Clone)]
struct Record(Arc<RecordInner>);

impl Record {
    fn new() -> Self {
        Record(Arc::new(RecordInner {
            t0: Instant::now(),
            started: Mutex::default(),
            done: Mutex::default(),
            groups: Mutex::default(),
            handles: Mutex::default(),
            live: Mutex::default(),
            live_total: Live::default(),
        }))
    }

    fn now(&self) -> u64 {
        u64::try_from((Instant::now() - self.0.t0).as_millis()).unwrap()
    }

    fn guard(&self, group: u32) -> LiveGuard {
        let total = self.0.live_total.guard();
        *lock(&self.0.live).entry(group).or_default() += 1;
        LiveGuard {
            record: self.clone(),
            group,
            _total: total,
        }
    }

    fn started(&self, unit: u32) {
        lock(&self.0.started).insert(unit);
    }

    fn done(&self, unit: u32, done: Done) {
        let now = self.now();
        let previous = lock(&self.0.done).insert(unit, (done, now));
        assert!(previous.is_none(), "unit {unit} ended twice");
    }

    fn handle(&self, group: u32, unit: u32, handle: AnyHandle) {
        lock(&self.0.handles).push((group, unit, Arc::new(handle)));
    }

    /// Cancels a task through its handle (the lock is not held while cancelling).
    fn cancel(&self, unit: u32) {
        let handle = lock(&self.0.handles)
            .iter()
            .find(|(_, u, _)| *u == unit)
            .map(|(_, _, h)| Arc::clone(h));
        if let Some(handle) = handle {
            handle.cancel();
        }
    }

    fn group_started(&self, group: u32) {
        let start = self.now();
        lock(&self.0.groups).insert(
            group,
            GroupRecord {
                start,
                ..GroupRecord::default()
            },
        );
    }

    fn group_ended(&self, group: u32, outcome: Outcome) {
        let end = self.now();
        let live_at_end = lock(&self.0.live).get(&group).copied().unwrap_or(0);
        let mut groups = lock(&self.0.groups);
        let record = groups.get_mut(&group).unwrap();
        record.end = Some(end);
        record.outcome = Some(outcome);
        record.live_at_end = live_at_end;
    }

    fn live_total(&self) -> usize {
        self.0.live_total.alive()
    }
}

/// Counts a body or task future of a group out when it is dropped: out of its
/// group here, then (as the field drops) out of the total.
struct LiveGuard {
    record: Record,
    group: u32,
    _total: common::LiveGuard,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        *lock(&self.record.0.live).get_mut(&self.group).unwrap() -= 1;
    }
}

fn payload_id(payload: &(dyn Any + Send)) -> Result<u32, String> {
    if let Some(PanicPayload(id)) = payload.downcast_ref::<PanicPayload>() {
        Ok(*id)
    } else if let Some(message) = payload.downcast_ref::<&str>() {
        Err((*message).to_owned())
    } else if let Some(message) = payload.downcast_ref::<String>() {
        Err(message.clone())
    } else {
        Err("a panic with a foreign payload".to_owned())
    }
}

#[path = "checker.rs"]
mod checker;
