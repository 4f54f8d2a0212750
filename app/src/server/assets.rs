//! The built assets (`/pkg`): their names, with the content hashes a build
//! gives them (cargo-leptos `hash-files`, listed in `hash.txt` beside the
//! server binary), and how long a browser may keep each.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::routes;

/// The kinds of file a build names by content, as `hash.txt` calls them.
const KINDS: [&str; 3] = ["css", "js", "wasm"];

/// The hashes of the build's CSS, JavaScript and WASM (`css`, `js`,
/// `wasm`), read once; empty when the build wrote none.
fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        let Some(file) = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.join("hash.txt")))
        else {
            return HashMap::new();
        };
        std::fs::read_to_string(file)
            .map(|text| parse_hashes(&text))
            .unwrap_or_default()
    })
}

/// `kind: hash` lines, as cargo-leptos writes them.
fn parse_hashes(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_string(), hash.trim().to_string()))
        .filter(|(_, hash)| !hash.is_empty())
        .collect()
}

/// Whether this build's assets carry content hashes in their names (then
/// pages must ask for those names: leptos reads the same file).
pub fn hashed() -> bool {
    KINDS.iter().all(|kind| hashes().contains_key(*kind))
}

/// The hashed files the hash list names that `site_root`'s `pkg` folder
/// lacks: a binary started with the assets of another build serves pages
/// whose stylesheet and script are not found.
pub fn missing_from(site_root: &std::path::Path) -> Vec<String> {
    missing(hashes(), site_root)
}

fn missing(hashes: &HashMap<String, String>, site_root: &std::path::Path) -> Vec<String> {
    let mut missing: Vec<String> = hashes
        .iter()
        .filter(|(kind, _)| KINDS.contains(&kind.as_str()))
        .map(|(kind, hash)| format!("debrief.{hash}.{kind}"))
        .filter(|name| !site_root.join("pkg").join(name).is_file())
        .collect();
    missing.sort();
    missing
}

/// The address of the stylesheet.
pub fn stylesheet() -> String {
    match hashes().get("css") {
        Some(hash) => format!("{}/debrief.{hash}.css", routes::ASSETS),
        None => format!("{}/debrief.css", routes::ASSETS),
    }
}

/// How long a browser may keep the asset at `path`: a name with a content
/// hash never changes, so it is kept a year without asking again; any other
/// name may change with an upgrade, so it is revalidated each time (a 304
/// when unchanged).
pub fn cache_control(path: &str) -> &'static str {
    if has_content_hash(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// `debrief.<hash>.<ext>` (and its `.br`/`.gz` siblings): a middle part of
/// the file name at least 16 characters of base64url.
fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.split('.');
    let (Some(_), Some(middle), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    middle.len() >= 16
        && middle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_kept_and_plain_ones_revalidated() {
        let immutable = "public, max-age=31536000, immutable";
        for path in [
            "/pkg/debrief.Vf3k2lTzqQ1aBcDeFgHiJk.wasm",
            "/pkg/debrief.Vf3k2lTzqQ1aBcDeFgHiJk.wasm.br",
            "/pkg/debrief.Q-_9xYzAbCdEfGhIjKl.css",
        ] {
            assert_eq!(cache_control(path), immutable, "{path}");
        }
        for path in [
            "/pkg/debrief.wasm",
            "/pkg/debrief.css",
            "/pkg/debrief_bg.wasm",
            "/pkg/debrief.wasm.br",
            "/favicon.svg",
            "/pkg/debrief.short.js",
        ] {
            assert_eq!(cache_control(path), "no-cache", "{path}");
        }
    }

    #[test]
    fn assets_of_another_build_are_noticed() {
        let site = std::env::temp_dir().join(format!("debrief-assets-{}", std::process::id()));
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(site.join("pkg/debrief.AAAA.css"), "body{}").unwrap();
        let hashes = parse_hashes("js: BBBB\nwasm: CCCC\ncss: AAAA\n");
        assert_eq!(
            missing(&hashes, &site),
            ["debrief.BBBB.js", "debrief.CCCC.wasm"]
        );
        std::fs::write(site.join("pkg/debrief.BBBB.js"), "").unwrap();
        std::fs::write(site.join("pkg/debrief.CCCC.wasm"), "").unwrap();
        assert!(missing(&hashes, &site).is_empty());
        std::fs::remove_dir_all(&site).unwrap();
    }

    #[test]
    fn the_hash_file_is_read_as_cargo_leptos_writes_it() {
        let hashes = parse_hashes("js: abcDEF123\nwasm: xyz_-0\ncss: QQQ\n\nbroken line\n");
        assert_eq!(hashes.get("js").map(String::as_str), Some("abcDEF123"));
        assert_eq!(hashes.get("wasm").map(String::as_str), Some("xyz_-0"));
        assert_eq!(hashes.get("css").map(String::as_str), Some("QQQ"));
        assert_eq!(hashes.len(), 3);
    }
}
