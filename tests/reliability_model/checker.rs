//! The checker: compares each group's outcome with the record.

use super::*;

// ---------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------

struct Checker<'a> {
    index: Index,
    done: HashMap<u32, (Done, u64)>,
    started: HashSet<u32>,
    groups: &'a HashMap<u32, GroupRecord>,
    record: &'a Record,
    violations: &'a mut Vec<String>,
}

fn check(spec: &GroupSpec, record: &Record, violations: &mut Vec<String>) {
    let groups = lock(&record.0.groups);
    let mut checker = Checker {
        index: Index::new(spec),
        done: lock(&record.0.done).clone(),
        started: lock(&record.0.started).clone(),
        groups: &groups,
        record,
        violations,
    };
    if groups
        .get(&spec.id)
        .and_then(|g| g.outcome.as_ref())
        .is_none()
    {
        checker.fail(format!("the outermost group {} has no outcome", spec.id));
    }
    for group in checker.index.groups.clone() {
        checker.check_group(group);
    }
    checker.check_handles();
}

impl Checker<'_> {
    fn fail(&mut self, violation: String) {
        self.violations.push(violation);
    }

    fn done(&self, unit: u32) -> Option<Done> {
        self.done.get(&unit).map(|(done, _)| *done)
    }

    fn time(&self, unit: u32) -> u64 {
        self.done[&unit].1
    }

    /// The earliest time, as ms from t0, at which this group or an enclosing one
    /// stops its tasks because its deadline passed: deadline plus grace period.
    fn stop_for_children(&self, group: u32) -> Option<u64> {
        let record = &self.groups[&group];
        let grace = self.index.grace.get(&group).copied().unwrap_or(0);
        let own = self
            .index
            .timeout
            .get(&group)
            .map(|t| record.start + t + grace);
        let enclosing = self.enclosing_stop(group);
        match (own, enclosing) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When an enclosing group stops this one's tasks for its deadline, if ever.
    fn enclosing_stop(&self, group: u32) -> Option<u64> {
        let parent = *self.index.parent.get(&group)?;
        self.stop_for_children(parent)
    }

    fn check_group(&mut self, group: u32) {
        let Some(record) = self.groups.get(&group) else {
            return; // never started: its task was cancelled or refused first
        };
        let Some(outcome) = record.outcome.clone() else {
            return; // its run future was dropped (its task was cancelled)
        };
        if record.live_at_end != 0 {
            self.fail(format!(
                "group {group}: {} of its body and task futures still alive when run returned",
                record.live_at_end
            ));
        }
        let units = self.index.units[&group].clone();
        let own_panics: Vec<u32> = units
            .iter()
            .copied()
            .filter(|&u| self.done(u) == Some(Done::Panicked))
            .collect();
        match outcome {
            Outcome::Panicked(payload) => self.check_panic(group, payload),
            _ if !own_panics.is_empty() => self.fail(format!(
                "group {group} returned normally although its units {own_panics:?} panicked"
            )),
            Outcome::Returned(value) => self.check_returned(group, value),
            Outcome::Failed(summary) => self.check_failed(group, &summary),
        }
    }

    fn check_panic(&mut self, group: u32, payload: Result<u32, String>) {
        match payload {
            Err(foreign) => self.fail(format!("group {group} panicked with `{foreign}`")),
            Ok(id) => {
                let ours = self.index.subtree(group).contains(&id);
                if !ours || self.done(id) != Some(Done::Panicked) {
                    self.fail(format!(
                        "group {group} resumed payload {id}, which no unit of it panicked with"
                    ));
                }
            }
        }
    }

    /// The errors a group that returned must hold: failures of its own leaf units
    /// and bodies, and the nested groups that failed.
    fn expected(&self, group: u32) -> (Vec<u32>, Vec<u32>) {
        let mut failures = Vec::new();
        let mut nested = Vec::new();
        for &unit in &self.index.units[&group] {
            if self.done(unit) != Some(Done::Failed) {
                continue;
            }
            match self.index.kind[&unit] {
                UnitKind::Nested(inner) => nested.push(inner),
                UnitKind::Body | UnitKind::Leaf => failures.push(unit),
            }
        }
        (failures, nested)
    }

    fn check_returned(&mut self, group: u32, value: u32) {
        let (failures, nested) = self.expected(group);
        let body = self.index.body[&group];
        if !failures.is_empty() || !nested.is_empty() {
            self.fail(format!(
                "group {group} returned Ok although {failures:?} failed and nested groups \
                 {nested:?} failed: errors lost"
            ));
        }
        if self.done(body) != Some(Done::Succeeded) || value != body {
            self.fail(format!(
                "group {group} returned Ok({value}) but its body {body} did {:?}",
                self.done(body)
            ));
        }
    }

    fn check_failed(&mut self, group: u32, summary: &Summary) {
        let Summary::Group {
            message,
            notes,
            children,
        } = summary
        else {
            unreachable!("a run returns a group");
        };
        // The one note a failed group may carry: how many of its tasks its
        // cancellation stopped, and why.
        let stray_notes = notes.iter().filter(|n| !is_cancelled_note(n)).count();
        if message != TASK_GROUP_MESSAGE || stray_notes > 0 || notes.len() > 1 {
            self.fail(format!(
                "group {group}: message {message:?}, notes {notes:?}"
            ));
        }
        let (failures, nested) = self.expected(group);
        let body = self.index.body[&group];
        let record = &self.groups[&group];
        let end = record.end.unwrap();

        // Every leaf and nested group, each exactly once.
        let mut seen_failures = Vec::new();
        let mut seen_nested = Vec::new();
        let mut timeouts = 0;
        let mut cancelled = 0;
        let mut times = Vec::new();
        for (position, child) in children.iter().enumerate() {
            match child {
                Summary::Failure(id) => {
                    seen_failures.push(*id);
                    if *id == body {
                        if position + 1 != children.len() {
                            self.fail(format!("group {group}: the body's error is not last"));
                        }
                    } else if failures.contains(id) {
                        times.push((self.time(*id), format!("failure {id}")));
                    }
                }
                Summary::Timeout => {
                    timeouts += 1;
                    if let Some(timeout) = self.index.timeout.get(&group) {
                        times.push((record.start + timeout, "timeout".to_owned()));
                    }
                }
                Summary::Cancelled => cancelled += 1,
                Summary::Other(other) => {
                    self.fail(format!("group {group}: unexpected leaf `{other}`"));
                }
                Summary::Group { notes, .. } => {
                    let inner = notes
                        .iter()
                        .find_map(|n| n.strip_prefix("group ")?.parse::<u32>().ok());
                    let Some(inner) = inner else {
                        self.fail(format!("group {group}: a nested group without our note"));
                        continue;
                    };
                    seen_nested.push(inner);
                    self.check_nested_copy(group, inner, child);
                    if let Some(inner_end) = self.groups.get(&inner).and_then(|r| r.end) {
                        times.push((inner_end, format!("group {inner}")));
                    }
                }
            }
        }
        self.same_once(group, "failure", &failures, &seen_failures);
        self.same_once(group, "nested group", &nested, &seen_nested);
        if !times.is_sorted_by_key(|(time, _)| *time) {
            self.fail(format!(
                "group {group}: errors not in completion order: {times:?}"
            ));
        }

        // A Timeout exactly when the group's own deadline expired while it ran.
        let deadline = self.index.timeout.get(&group).map(|t| record.start + t);
        let enclosing = self.enclosing_stop(group);
        let expires = deadline.filter(|d| end >= *d && enclosing.is_none_or(|e| e > *d));
        match (timeouts, expires) {
            (0, None) | (1, Some(_)) => {}
            (0, Some(d)) => {
                let units = &self.index.units[&group];
                let coincides = units
                    .iter()
                    .any(|u| self.done.get(u).is_some_and(|(_, t)| *t == d));
                if !coincides {
                    self.fail(format!(
                        "group {group}: its deadline {d} ms expired (ended at {end} ms) \
                         but there is no Timeout"
                    ));
                }
            }
            (n, expires) => self.fail(format!(
                "group {group}: {n} Timeout leaves; its deadline {deadline:?}, enclosing \
                 stop {enclosing:?}, ended at {end} ms, expected one: {}",
                expires.is_some()
            )),
        }

        // A lone Cancelled leaf exactly when cancel() stopped a body with nothing
        // else to report.
        let nothing_else = failures.is_empty() && nested.is_empty() && timeouts == 0;
        let cancel_reached = self.index.units[&group]
            .iter()
            .any(|u| self.done(*u) == Some(Done::Succeeded) && self.index.cancels.contains(u));
        if nothing_else {
            let body_done = self.done(body);
            if cancelled != 1 || children.len() != 1 || !cancel_reached || body_done.is_some() {
                self.fail(format!(
                    "group {group}: returned {children:?} with nothing failed; cancel() \
                     reached: {cancel_reached}; body: {body_done:?}"
                ));
            }
        } else if cancelled != 0 {
            self.fail(format!(
                "group {group}: a Cancelled leaf next to errors: {children:?}"
            ));
        }
    }

    /// A nested group inside its parent's error is the very tree it returned, plus
    /// the note its task added.
    fn check_nested_copy(&mut self, group: u32, inner: u32, copy: &Summary) {
        if self.index.parent.get(&inner) != Some(&group) {
            self.fail(format!(
                "group {inner} nested in {group}, not in its parent"
            ));
            return;
        }
        let Some(Outcome::Failed(Summary::Group {
            message,
            notes,
            children,
        })) = self.groups.get(&inner).and_then(|r| r.outcome.clone())
        else {
            self.fail(format!(
                "group {group} holds group {inner}, which did not fail"
            ));
            return;
        };
        let mut notes = notes.clone();
        notes.push(group_note(inner));
        let expected = Summary::Group {
            message,
            notes,
            children,
        };
        if *copy != expected {
            self.fail(format!(
                "group {inner} changed on its way into {group}: {copy:?} vs {expected:?}"
            ));
        }
    }

    fn same_once(&mut self, group: u32, what: &str, expected: &[u32], seen: &[u32]) {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for id in seen {
            *counts.entry(*id).or_default() += 1;
        }
        for (id, count) in &counts {
            if *count > 1 {
                self.fail(format!("group {group}: {what} {id} duplicated ({count}×)"));
            }
            if !expected.contains(id) {
                self.fail(format!(
                    "group {group}: {what} {id} that did not happen here"
                ));
            }
        }
        for id in expected {
            if !counts.contains_key(id) {
                self.fail(format!("group {group}: {what} {id} happened but was lost"));
            }
        }
    }

    /// Every handle of a group that returned holds its final outcome, consistent
    /// with what its task did; after the runtime ran on, every handle at all does.
    fn check_handles(&mut self) {
        let handles: Vec<_> = lock(&self.record.0.handles).clone();
        for (group, unit, handle) in handles {
            let returned = self.groups[&group].outcome.is_some();
            let done = self.done(unit);
            let started = self.started.contains(&unit);
            let result = handle.result();
            let consistent = match (&result, done) {
                (Ok(value), Some(Done::Succeeded)) => *value == unit,
                (Err(TaskError::Failed(_)), Some(Done::Failed)) => true,
                (Err(TaskError::Panicked), Some(Done::Panicked)) => true,
                (Err(TaskError::Cancelled), None) => true,
                (Err(TaskError::NotSpawned(_)), None) => !started,
                (Err(TaskError::Pending), _) => false,
                _ => false,
            };
            if !consistent {
                let when = if returned {
                    "after its group returned"
                } else {
                    "after its group was dropped and the runtime ran on"
                };
                self.fail(format!(
                    "task {unit} of group {group}: handle gives {result:?} {when}, but the \
                     task did {done:?} (started: {started})"
                ));
            }
        }
    }
}

/// The note of a failed group whose cancellation stopped tasks:
/// "1 task was cancelled: ..." or "N tasks were cancelled: ...".
fn is_cancelled_note(note: &str) -> bool {
    note.starts_with("1 task was cancelled: ")
        || note
            .split_once(" tasks were cancelled: ")
            .is_some_and(|(n, reason)| {
                n.parse::<usize>().is_ok_and(|n| n > 1) && !reason.is_empty()
            })
}

#[path = "running.rs"]
mod running;
