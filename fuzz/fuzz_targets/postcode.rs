#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hotspots::fuzzing::postcode(data));
