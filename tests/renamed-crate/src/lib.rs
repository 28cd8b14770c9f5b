//! Nothing here: this crate exists for its tests, which use `taskgroup` under
//! the name `tg_renamed` given in this crate's `Cargo.toml`, so that no crate
//! named `taskgroup` is in scope.
