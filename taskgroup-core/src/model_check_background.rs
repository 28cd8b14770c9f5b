//! Model check (loom, `--cfg taskgroup_loom`) of the background tasks' count:
//! the group sees its work done only once every ordinary unit has left,
//! whatever the order of the hand-over, the task's end and the body's end.

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use crate::live::LiveCount;

#[test]
fn the_work_is_done_only_once_every_ordinary_unit_has_left() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(3);
    builder.check(|| {
        let live = Arc::new(LiveCount::new()); // the body
        let body_left = Arc::new(AtomicBool::new(false));
        // The body spawns a background task: counted as background, spawned
        // as an ordinary unit, and (below) the unit handed over.
        assert!(live.try_enter_background().is_ok());
        assert!(live.try_enter().is_ok());
        let task = {
            let live = Arc::clone(&live);
            thread::spawn(move || {
                live.background_ended(); // the task ends, possibly at once
                live.leave();
            })
        };
        live.leave(); // the hand-over
        let body = {
            let (live, body_left) = (Arc::clone(&live), Arc::clone(&body_left));
            thread::spawn(move || {
                body_left.store(true, SeqCst);
                live.leave();
            })
        };
        if live.only_background_left() {
            assert!(body_left.load(SeqCst), "work done while the body ran");
        }
        task.join().unwrap();
        body.join().unwrap();
        assert!(!live.only_background_left());
        assert!(live.try_finish(), "everything left: the group finishes");
    });
}
