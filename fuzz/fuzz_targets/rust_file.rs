//! One Rust source file read into its facts, and its SQL strings matched.
#![no_main]

use carve_fuzz::rust_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rust_file(data));
