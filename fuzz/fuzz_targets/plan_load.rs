//! A plan file (`carve.toml`) loaded and validated.
#![no_main]

use carve_fuzz::plan_load;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| plan_load(data));
