//! Names people give things (attachment and transcript files, channels,
//! people): the characters that change how a name looks without being seen
//! are dropped before it is stored. A right-to-left override makes
//! "invoice\u{202E}fdp.exe" show as "invoiceexe.pdf"; zero-width characters
//! make two different names look the same.

/// True for control characters and Unicode format characters (general
/// category Cf: bidirectional controls, zero-width spaces and joiners, the
/// byte-order mark, invisible operators, tag characters…).
pub fn is_invisible(c: char) -> bool {
    c.is_control() || is_format(c)
}

/// `name` without its invisible characters (see [`is_invisible`]).
pub fn visible_name(name: &str) -> String {
    name.chars().filter(|c| !is_invisible(*c)).collect()
}

/// Unicode general category Cf (Unicode 16), which the standard library does
/// not expose.
pub fn is_format(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidirectional_and_zero_width_characters_are_dropped() {
        assert_eq!(visible_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{061C}',
            '\u{E0041}',
            '\u{0000}',
            '\u{0007}',
            '\u{007F}',
            '\u{009B}',
            '\n',
            '\t',
        ] {
            assert!(is_invisible(c), "{:04X}", c as u32);
            assert_eq!(visible_name(&format!("a{c}b")), "ab", "{:04X}", c as u32);
        }
    }

    #[test]
    fn visible_letters_of_every_script_are_kept() {
        for name in [
            "p99 latency.png",
            "résumé – Łódź.pdf",
            "שלום.log",
            "مرحبا.txt",
            "日本語のログ.txt",
            "graph 📈.webp",
            "#ops-bridge",
        ] {
            assert_eq!(visible_name(name), name);
        }
        // The neighbours of the dropped ranges are visible.
        for c in [
            '\u{2010}', '\u{2029}', '\u{2065}', '\u{2070}', '\u{FEFE}', '\u{FFFC}',
        ] {
            assert!(!is_format(c), "{:04X}", c as u32);
        }
    }
}
