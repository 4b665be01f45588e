//! The `calstack` command-line tool.

fn main() {}
