#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hotspots::fuzzing::row_parsing(data));
