//! Compile-time behaviour of the macros: every malformed use gets one clear
//! error at the user's tokens (`tests/ui/<macro>/*.rs` with committed `.stderr`),
//! and the `pass/` programs build and run. Regenerate with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/task_group/*.rs");
    cases.compile_fail("tests/ui/except_star/*.rs");
    cases.compile_fail("tests/ui/scoped/*.rs");
    cases.pass("tests/ui/task_group/pass/*.rs");
    cases.pass("tests/ui/except_star/pass/*.rs");
}
