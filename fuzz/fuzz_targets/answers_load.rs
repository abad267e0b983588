//! An `--answers` file loaded and its actions applied to a plan.
#![no_main]

use carve_fuzz::answers_load;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| answers_load(data));
