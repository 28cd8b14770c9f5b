//! The CPython `except*` oracle's side of the conformance tests: its error
//! types, its JSON node shape in both directions, its clauses, and the 300
//! recorded cases (`tests/data/oracle_cases.jsonl`, copied from
//! `../shared/conformance/`, whose README describes the format).
//!
//! Shared by the runtime replay (`oracle_replay`) and the attribute's replay
//! (`except_star_oracle`), so both read the cases the same way.

use std::error::Error;
use std::sync::OnceLock;

use serde_json::{json, Value};
use taskgroup::{AnyError, BoxError, ErrorGroup, Leaf, Node};

// ---------------------------------------------------------------------------
// The oracle's error types
// ---------------------------------------------------------------------------

/// A leaf type of the oracle's hierarchy; each error carries its oracle id.
pub trait OracleLeaf: Error + Send + Sync + 'static {
    /// The type's name in the oracle (`"A"`, `"B2"`, ...).
    const NAME: &'static str;
    /// The leaf's oracle id (`"e0"`, `"r1a"`, ...).
    fn id(&self) -> &str;
}

macro_rules! oracle_leaf_types {
    ($($name:ident),*) => {
        $(
            crate::common::error_types! {
                #[derive(Debug)]
                pub struct $name(String) => concat!(stringify!($name), "({})");
            }

            impl OracleLeaf for $name {
                const NAME: &'static str = stringify!($name);
                fn id(&self) -> &str {
                    &self.0
                }
            }
        )*

        /// A new error of the oracle type `ty`.
        pub fn new_error(ty: &str, id: &str) -> AnyError {
            match ty {
                $(stringify!($name) => AnyError::new($name(id.to_owned())),)*
                other => panic!("unknown oracle leaf type {other:?}"),
            }
        }

        impl OracleJson for AnyError {
            fn leaf_json(&self) -> Value {
                $(
                    if let Some(leaf) = self.downcast_ref::<$name>() {
                        return leaf.leaf_json();
                    }
                )*
                panic!("a leaf of no oracle type: {self}")
            }
        }
    };
}

// Distinct Rust types: Rust has no subclassing, so "B2 is a B" lives in `matches`.
oracle_leaf_types!(A, B, B2, C, D, K);

/// The oracle's leaf types, in its order.
pub const LEAF_TYPES: [&str; 6] = ["A", "B", "B2", "C", "D", "K"];

/// Whether an `except*` clause naming `ty` takes the leaf `e`. The catch-alls are the
/// leaf predicates the oracle's README shows to be equivalent: `Exception` is "not K"
/// (K is a BaseException only), `BaseException` is everything.
pub fn matches(ty: &str, e: &AnyError) -> bool {
    match ty {
        "A" => e.is::<A>(),
        "B" => e.is::<B>() || e.is::<B2>(),
        "B2" => e.is::<B2>(),
        "C" => e.is::<C>(),
        "D" => e.is::<D>(),
        "K" => e.is::<K>(),
        "Exception" => !e.is::<K>(),
        "BaseException" => true,
        other => panic!("unknown oracle clause type {other:?}"),
    }
}

/// The leaf types an `except*` clause naming `ty` takes, spelled out: what an arm
/// lists for it, since a Rust arm names types, not classes.
pub fn leaf_types_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "B" => &["B", "B2"],
        "Exception" => &LEAF_TYPES[..5],
        "BaseException" => &LEAF_TYPES,
        other => {
            let index = LEAF_TYPES.iter().position(|t| *t == other);
            let index = index.unwrap_or_else(|| panic!("unknown oracle clause type {other:?}"));
            &LEAF_TYPES[index..=index]
        }
    }
}

// ---------------------------------------------------------------------------
// JSON <-> groups
// ---------------------------------------------------------------------------

/// An error that the oracle's JSON can describe: one of its leaf types, or an
/// [`AnyError`] holding one.
pub trait OracleJson {
    /// `{"type", "id"}` of the error.
    fn leaf_json(&self) -> Value;
}

impl<T: OracleLeaf> OracleJson for T {
    fn leaf_json(&self) -> Value {
        json!({"type": T::NAME, "id": self.id()})
    }
}

/// The node a NODE spec stands for, notes included.
pub fn build_node(spec: &Value) -> Node {
    let mut node = match spec.get("group") {
        Some(children) => {
            let children = children.as_array().unwrap().iter().map(build_node);
            let msg = spec["msg"].as_str().unwrap_or("").to_owned();
            Node::Group(ErrorGroup::new(msg, children).expect("oracle groups are non-empty"))
        }
        None => {
            let (ty, id) = (spec["type"].as_str().unwrap(), spec["id"].as_str().unwrap());
            Node::Leaf(Leaf::new(new_error(ty, id)))
        }
    };
    for note in spec
        .get("notes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let note = note.as_str().unwrap();
        match &mut node {
            Node::Leaf(leaf) => leaf.add_note(note),
            Node::Group(group) => group.add_note(note),
        }
    }
    node
}

/// The error a NODE spec stands for, as a `try` body or a handler raises it: a
/// group, or the naked error itself (so the dispatch's own wrapping is what gets
/// tested).
pub fn build_error(spec: &Value) -> BoxError {
    match build_node(spec) {
        Node::Group(group) => Box::new(group),
        Node::Leaf(leaf) if leaf.notes().is_empty() => leaf.into_error().into_inner(),
        // A naked error cannot carry notes; hand over the wrapper the dispatch would
        // build (naked errors are wrapped in a group "").
        leaf => Box::new(ErrorGroup::new("", [leaf]).unwrap()),
    }
}

/// What the `try` body of a case raises: nothing (`null`), a naked leaf or a group.
pub fn caught(tree: &Value) -> Result<(), BoxError> {
    match tree {
        Value::Null => Ok(()),
        spec => Err(build_error(spec)),
    }
}

fn with_notes(mut node: Value, notes: &[String]) -> Value {
    if !notes.is_empty() {
        node["notes"] = json!(notes);
    }
    node
}

/// The oracle's NODE shape of a group.
pub fn group_json<E: OracleJson>(group: &ErrorGroup<E>) -> Value {
    let children: Vec<Value> = group
        .children()
        .iter()
        .map(|child| match child {
            Node::Leaf(leaf) => with_notes(leaf.error().leaf_json(), leaf.notes()),
            Node::Group(nested) => group_json(nested),
        })
        .collect();
    with_notes(
        json!({"group": children, "msg": group.message()}),
        group.notes(),
    )
}

/// CPython's output with a naked escaping leaf `L` rewritten as `""[L]`: in Rust the
/// outcome of a dispatch is always a group.
pub fn normalise(mut output: Value) -> Value {
    let outcome = &mut output["outcome"];
    if outcome.get("type").is_some() {
        *outcome = json!({"group": [outcome.take()], "msg": ""});
    }
    output
}

// ---------------------------------------------------------------------------
// Clauses
// ---------------------------------------------------------------------------

/// What a handler does after it received its group.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing: the errors are handled.
    Nothing,
    /// `raise X` of a new leaf or group (a NODE).
    Raise(Value),
    /// Bare `raise`.
    Reraise,
    /// `raise e`, `e` being the group the arm received.
    NamedReraise,
}

/// One `except*` clause of a case.
#[derive(Debug, Clone)]
pub struct Clause {
    /// The types it names, as written (`"Exception"`, `"B"`, ...).
    pub types: Vec<String>,
    /// What its handler does.
    pub action: Action,
}

/// The clause spec at `index` of a case (`raise_id` defaults to `r<index>`).
pub fn parse_clause(index: usize, spec: &Value) -> Clause {
    let types_of = |v: &Value| -> Vec<String> {
        let types = v.as_array().unwrap().iter();
        types.map(|t| t.as_str().unwrap().to_owned()).collect()
    };
    if spec.is_array() {
        return Clause {
            types: types_of(spec),
            action: Action::Nothing,
        };
    }
    let action = match (&spec["raises"], &spec["reraise"]) {
        (Value::String(ty), _) => {
            let default_id = format!("r{index}");
            let id = spec["raise_id"].as_str().unwrap_or(&default_id);
            Action::Raise(json!({"type": ty, "id": id}))
        }
        (node @ Value::Object(_), _) => Action::Raise(node.clone()),
        (_, Value::Bool(true)) => Action::Reraise,
        (_, Value::String(kind)) if kind == "bare" => Action::Reraise,
        (_, Value::String(kind)) if kind == "named" => Action::NamedReraise,
        _ => Action::Nothing,
    };
    Clause {
        types: types_of(&spec["types"]),
        action,
    }
}

/// Every clause of an oracle input, in order.
pub fn clauses(input: &Value) -> Vec<Clause> {
    let specs = input["clauses"].as_array().unwrap();
    specs
        .iter()
        .enumerate()
        .map(|(i, c)| parse_clause(i, c))
        .collect()
}

// ---------------------------------------------------------------------------
// The recorded cases
// ---------------------------------------------------------------------------

const CASES: &str = include_str!("../data/oracle_cases.jsonl");

/// The 300 recorded cases, parsed once per test binary: `{"case", "features",
/// "input", "output"}` each.
pub fn recorded_cases() -> &'static [Value] {
    static PARSED: OnceLock<Vec<Value>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let lines = CASES.lines().filter(|line| !line.trim().is_empty());
        lines
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    })
}

/// The recorded case numbered `number`.
pub fn recorded_case(number: u64) -> &'static Value {
    recorded_cases()
        .iter()
        .find(|record| record["case"] == number)
        .unwrap_or_else(|| panic!("no oracle case {number}"))
}
