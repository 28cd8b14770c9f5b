//! The live oracle: fresh random cases in the oracle's input format, answered by
//! `oracle.py` itself when a Python >= 3.11.4 is on `PATH`, replayed like the
//! recorded ones.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::mismatch;

/// Fresh cases per run: enough to cover every feature, few enough to take well under
/// a second in Python.
const LIVE_CASES: usize = 300;

/// Random inputs in the oracle's format, with the weights of `oracle.py --random`
/// (base errors a little more often, to exercise `Exception` against K).
struct CaseGen {
    rng: StdRng,
    leaves: usize,
    groups: usize,
}

const LEAF_WEIGHTS: &[(&str, u32)] = &[
    ("A", 24),
    ("B", 20),
    ("B2", 10),
    ("C", 20),
    ("D", 20),
    ("K", 6),
];
const CATCH_ALL_WEIGHTS: &[(&str, u32)] = &[("Exception", 6), ("BaseException", 3)];

impl CaseGen {
    fn pick(&mut self, table: &[(&'static str, u32)]) -> &'static str {
        let total: u32 = table.iter().map(|(_, w)| w).sum();
        let mut x = self.rng.random_range(0..total);
        for &(item, w) in table {
            if x < w {
                return item;
            }
            x -= w;
        }
        unreachable!()
    }

    fn leaf(&mut self) -> Value {
        let id = format!("e{}", self.leaves);
        self.leaves += 1;
        let mut leaf = json!({"type": self.pick(LEAF_WEIGHTS), "id": id});
        if self.rng.random_bool(0.05) {
            leaf["notes"] = json!([format!("note:{id}")]);
        }
        leaf
    }

    fn group(&mut self, depth: u32, max_depth: u32) -> Value {
        let msg = format!("g{}", self.groups);
        self.groups += 1;
        let children: Vec<Value> = (0..self.rng.random_range(1..=4))
            .map(|_| {
                if depth + 1 < max_depth && self.rng.random_bool(0.3) {
                    self.group(depth + 1, max_depth)
                } else {
                    self.leaf()
                }
            })
            .collect();
        let mut group = json!({"group": children, "msg": msg});
        if self.rng.random_bool(0.1) {
            group["notes"] = json!([format!("note:{msg}")]);
        }
        group
    }

    fn tree(&mut self) -> Value {
        match self.rng.random_range(0..100) {
            0..=2 => Value::Null,
            3..=14 => self.leaf(),
            _ => {
                let max_depth = self.rng.random_range(1..=4);
                self.group(0, max_depth)
            }
        }
    }

    fn clause_type(&mut self) -> &'static str {
        if self.rng.random_range(0..100) < 8 {
            self.pick(CATCH_ALL_WEIGHTS)
        } else {
            self.pick(LEAF_WEIGHTS)
        }
    }

    fn clause(&mut self, index: usize) -> Value {
        let n_types = match self.rng.random_range(0..1000) {
            0..=14 => 0,
            15..=719 => 1,
            _ => 2,
        };
        let types: Vec<&str> = (0..n_types).map(|_| self.clause_type()).collect();
        let mut clause = json!({"types": types});
        match self.rng.random_range(0..100) {
            0..=49 => {}
            50..=67 => clause["raises"] = json!(self.pick(LEAF_WEIGHTS)),
            68..=71 => {
                let kids: Vec<Value> = ["a", "b"][..self.rng.random_range(1..=2)]
                    .iter()
                    .map(|s| json!({"type": self.pick(LEAF_WEIGHTS), "id": format!("r{index}{s}")}))
                    .collect();
                clause["raises"] = json!({"group": kids, "msg": format!("h{index}")});
            }
            72..=93 => clause["reraise"] = json!(true),
            _ => clause["reraise"] = json!("named"),
        }
        clause
    }

    fn case(&mut self) -> Value {
        self.leaves = 0;
        self.groups = 0;
        let tree = self.tree();
        let n = match self.rng.random_range(0..100) {
            0..=24 => 1,
            25..=59 => 2,
            60..=84 => 3,
            _ => 4,
        };
        let clauses: Vec<Value> = (0..n).map(|i| self.clause(i)).collect();
        json!({"tree": tree, "clauses": clauses})
    }
}

/// `oracle.py`, if it and a Python ≥ 3.11.4 (the gh-103590 semantics) are available.
fn live_oracle() -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/oracle.py");
    if !script.is_file() {
        println!("skipped: no oracle at {}", script.display());
        return None;
    }
    let probe = "import sys; sys.exit(0 if sys.version_info >= (3, 11, 4) else 1)";
    match Command::new("python3").args(["-c", probe]).status() {
        Ok(status) if status.success() => Some(script),
        _ => {
            println!("skipped: needs python3 >= 3.11.4 on PATH");
            None
        }
    }
}

/// Runs `oracle.py --lines` over `inputs`, one output per input.
fn ask_oracle(script: &Path, inputs: &[Value]) -> Vec<Value> {
    let mut child = Command::new("python3")
        .arg(script)
        .arg("--lines")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    let text: String = inputs.iter().map(|input| format!("{input}\n")).collect();
    let mut stdin = child.stdin.take().unwrap();
    // The oracle answers line by line: writing all input before reading could fill both
    // pipes and deadlock, so a thread writes while we read.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child.wait_with_output().expect("run oracle.py");
    writer.join().unwrap().expect("write to oracle.py");
    assert!(
        output.status.success(),
        "oracle.py failed: {:?}",
        output.status
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn except_star_matches_live_cpython_oracle_on_fresh_random_cases() {
    let Some(script) = live_oracle() else { return };
    let seed = match std::env::var("ORACLE_SEED") {
        Ok(seed) => seed.parse().expect("ORACLE_SEED must be a u64"),
        Err(_) => rand::random(),
    };
    println!("live oracle seed {seed} (rerun with ORACLE_SEED={seed})");
    let mut gen = CaseGen {
        rng: StdRng::seed_from_u64(seed),
        leaves: 0,
        groups: 0,
    };
    let inputs: Vec<Value> = (0..LIVE_CASES).map(|_| gen.case()).collect();
    let outputs = ask_oracle(&script, &inputs);
    assert_eq!(outputs.len(), inputs.len(), "one oracle answer per case");
    let mismatches: Vec<String> = inputs
        .iter()
        .zip(outputs)
        .enumerate()
        .filter_map(|(i, (input, output))| {
            mismatch(&format!("seed {seed}, case {i}"), input, output)
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {LIVE_CASES} live cases differ from CPython (ORACLE_SEED={seed}):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
