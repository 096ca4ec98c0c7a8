#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| chatlet_fuzz_targets::compiled(data));
