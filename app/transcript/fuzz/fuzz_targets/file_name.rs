#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| transcript_fuzz::file_name(data));
