//! One SQL file ingested into a schema: split, parse, replay. The first
//! byte picks the dialect (or detection).
#![no_main]

use carve_fuzz::sql_replay;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sql_replay(data));
