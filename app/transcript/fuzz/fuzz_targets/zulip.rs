#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| transcript_fuzz::read_as("zulip", data));
