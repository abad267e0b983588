//! The statement splitter, Postgres rules.
#![no_main]

use carve::model::Dialect;
use carve_fuzz::split;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| split(data, Dialect::Postgres));
