//! `calstack-emulator --port N`: serves the emulator until interrupted.

fn main() {}
