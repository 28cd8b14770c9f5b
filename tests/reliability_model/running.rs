//! Running a scenario, and the property tests.

use super::*;

// ---------------------------------------------------------------------------
// Running a scenario
// ---------------------------------------------------------------------------

type UnitFuture = Pin<Box<dyn Future<Output = Result<u32, BoxError>> + Send>>;
type GroupFuture =
    Pin<Box<dyn Future<Output = std::thread::Result<Result<u32, ErrorGroup>>> + Send>>;

/// Runs the group `spec` and records how it ended; a panic is caught, recorded and
/// returned, for the caller to resume.
fn run_group(spec: GroupSpec, record: Record) -> GroupFuture {
    Box::pin(async move {
        let id = spec.id;
        let mut builder = TaskGroup::builder();
        if let Some(limit) = spec.limit {
            builder = builder.limit(limit);
        }
        if spec.supervise {
            builder = builder.supervise();
        }
        if let Some(timeout) = spec.timeout {
            builder = builder.timeout(Duration::from_millis(timeout));
        }
        if let Some(grace) = spec.grace {
            builder = builder.grace(Duration::from_millis(grace));
        }
        record.group_started(id);
        let body_record = record.clone();
        let run = builder.run(move |tg| body(spec, body_record, tg));
        let outcome = AssertUnwindSafe(run).catch_unwind().await;
        record.group_ended(
            id,
            match &outcome {
                Ok(Ok(value)) => Outcome::Returned(*value),
                Ok(Err(errors)) => Outcome::Failed(summarize(errors)),
                Err(payload) => Outcome::Panicked(payload_id(&**payload)),
            },
        );
        outcome
    })
}

/// The body's future: it holds the group's scope, to spawn scoped tasks.
type BodyFuture<'env> = Pin<Box<dyn Future<Output = Result<u32, BoxError>> + Send + 'env>>;

fn body(spec: GroupSpec, record: Record, tg: Scope<'_>) -> BodyFuture<'_> {
    let guard = record.guard(spec.id);
    Box::pin(async move {
        let _guard = guard;
        let (group, unit) = (spec.id, spec.body.id);
        record.started(unit);
        let start = Instant::now();
        let mut cancels = Vec::new();
        for task_spec in spec.tasks {
            if let Some(at) = task_spec.cancel_at {
                cancels.push((at, task_spec.id));
            }
            let (id, scoped) = (task_spec.id, task_spec.scoped);
            let future = task(task_spec, record.clone(), group, tg.clone());
            let handle = if scoped {
                AnyHandle::Scoped(tg.spawn_scoped(future))
            } else {
                AnyHandle::Task(tg.spawn(future))
            };
            record.handle(group, id, handle);
        }
        cancels.sort_unstable();
        for (at, id) in cancels {
            if at >= spec.body.at {
                break;
            }
            sleep_until(start + Duration::from_millis(at)).await;
            record.cancel(id);
        }
        sleep_until(start + Duration::from_millis(spec.body.at)).await;
        finish(&record, unit, spec.body.end)
    })
}

/// Ends a unit the way its spec says, recording it first.
fn finish(record: &Record, unit: u32, end: End) -> Result<u32, BoxError> {
    match end {
        End::Succeed => {
            record.done(unit, Done::Succeeded);
            Ok(unit)
        }
        End::Fail => {
            record.done(unit, Done::Failed);
            Err(Failure(unit).into())
        }
        End::Panic => {
            record.done(unit, Done::Panicked);
            std::panic::panic_any(PanicPayload(unit))
        }
    }
}

fn task(spec: TaskSpec, record: Record, group: u32, tg: TaskGroup) -> UnitFuture {
    let guard = record.guard(group);
    Box::pin(async move {
        let _guard = guard;
        let unit = spec.id;
        record.started(unit);
        if spec.at > 0 {
            sleep(Duration::from_millis(spec.at)).await;
        }
        match spec.kind {
            Kind::End(end) => finish(&record, unit, end),
            Kind::Hang => {
                sleep(Duration::from_millis(HANG_MS)).await;
                finish(&record, unit, End::Succeed)
            }
            Kind::Cleanup { after } => {
                let hang = Duration::from_millis(HANG_MS);
                if tokio::time::timeout(hang, tg.cancelled()).await.is_err() {
                    return finish(&record, unit, End::Succeed);
                }
                if after > 0 {
                    sleep(Duration::from_millis(after)).await;
                }
                finish(&record, unit, End::Fail)
            }
            Kind::CancelGroup => {
                tg.cancel();
                finish(&record, unit, End::Succeed)
            }
            Kind::Spawn(children) => {
                for child in children {
                    let id = child.id;
                    let handle = tg.spawn(task(child, record.clone(), group, tg.clone()));
                    record.handle(group, id, AnyHandle::Task(handle));
                }
                finish(&record, unit, End::Succeed)
            }
            Kind::Nested(inner) => {
                let inner_id = inner.id;
                match run_group(*inner, record.clone()).await {
                    Ok(Ok(_)) => finish(&record, unit, End::Succeed),
                    Ok(Err(mut errors)) => {
                        record.done(unit, Done::Failed);
                        errors.add_note(group_note(inner_id));
                        Err(errors.into())
                    }
                    Err(payload) => {
                        record.done(unit, Done::Panicked);
                        std::panic::resume_unwind(payload)
                    }
                }
            }
        }
    })
}

/// Runs a scenario on a fresh paused current-thread runtime; the list of broken
/// invariants (empty when all hold).
fn run_scenario(spec: &GroupSpec) -> Vec<String> {
    common::quiet_expected_panics::<PanicPayload>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let record = Record::new();
        let mut violations = Vec::new();
        let run = run_group(spec.clone(), record.clone());
        // A scenario ends by itself well within this (virtual) hour; if not, it hangs.
        match tokio::time::timeout(Duration::from_secs(3600), run).await {
            Err(_) => violations.push("the scenario did not finish (hang)".to_owned()),
            Ok(_outcome) => {
                let live = record.live_total();
                if live != 0 {
                    violations.push(format!(
                        "{live} unit futures still alive right after the outermost run returned"
                    ));
                }
            }
        }
        // Let the runtime run on: nothing may be left even of dropped inner groups.
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        sleep(Duration::from_millis(1)).await;
        let live = record.live_total();
        if live != 0 {
            violations.push(format!(
                "{live} unit futures still alive after the runtime ran on"
            ));
        }
        check(spec, &record, &mut violations);
        violations
    })
}

fn check_scenario(spec: &GroupSpec) -> Result<(), TestCaseError> {
    let violations = run_scenario(spec);
    prop_assert!(
        violations.is_empty(),
        "broken invariants:\n  {}\nscenario: {spec:#?}",
        violations.join("\n  ")
    );
    Ok(())
}

/// Cases from `PROPTEST_CASES` if set, else `default`. Failures are not persisted
/// to files (proptest prints the minimal failing scenario instead).
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    /// Random nested scenarios against the model: no error lost or duplicated,
    /// panics keep their payload, no task outlives its group.
    #[test]
    fn random_scenarios_keep_every_error_and_leak_no_task(spec in scenario()) {
        check_scenario(&spec)?;
    }
}

proptest! {
    #![proptest_config(config(SOAK_CASES))]

    /// The same model with many more cases:
    /// `cargo test --test reliability_model -- --ignored` (`PROPTEST_CASES` to change).
    #[test]
    #[ignore = "soak test: run with --ignored"]
    fn soak_random_scenarios(spec in scenario()) {
        check_scenario(&spec)?;
    }
}
