//! The script that starts the browser's code, in place of Leptos' `<HydrationScripts>`.
//!
//! Leptos puts `<link rel="preload">` tags for the main module, its wasm and the route's
//! split modules in `<head>`, so the browser starts 400–800 KB of downloads before it
//! has painted anything. On a slow phone connection those downloads share the line with
//! the stylesheet the first paint waits for, and Lighthouse's simulation counts each of
//! them as something the largest paint depended on (bench/RESULTS.md, "Lighthouse").
//! The page is whole without them: every page is rendered on the server and works
//! before it is hydrated.
//!
//! So this script waits for the document's `load` (the stylesheet is in, the page is
//! laid out) and the next frame, then asks for everything at once: the main module, its
//! wasm, the splitter's loader and the route's own modules, named here by the server
//! from the split manifest, so they download side by side rather than one after the
//! other. A hidden tab paints nothing and starts at once. Instantiating the wasm and
//! hydrating run in separate tasks, so neither holds the main thread as long.

use std::collections::HashMap;
use std::sync::OnceLock;

use leptos::prelude::*;

/// The built files' names, read once at start-up (src/startup.rs).
#[derive(Debug, Default)]
pub struct Build {
    /// The main module and its wasm (`/pkg/casework.<hash>.js`, `… .wasm`).
    js: String,
    wasm: String,
    /// The splitter's loader, and each area's modules by area (`cases_area`), when the
    /// build was split.
    split: Option<String>,
    areas: HashMap<String, Vec<String>>,
}

static BUILD: OnceLock<Build> = OnceLock::new();

/// Unhashed, wasm-bindgen names the wasm `<name>_bg.wasm` unless cargo-leptos named the
/// output (as Leptos' own `<HydrationScripts>` reckons).
const UNHASHED_WASM: &str = match option_env!("LEPTOS_OUTPUT_NAME") {
    Some(_) => "",
    None => "_bg",
};

impl Build {
    /// From cargo-leptos' hash file (`js:`, `wasm:`, `split:`, `manifest:` lines; `None`
    /// when the build is not hashed) and the site's `pkg` directory, where the split
    /// manifest is. A build that was not split has no manifest, and starts the route's
    /// modules only when the router asks for them.
    pub fn read(output_name: &str, hashes: Option<&str>, pkg_dir: &std::path::Path) -> Self {
        let hash = |key: &str| {
            hashes?
                .lines()
                .find_map(|line| line.trim().strip_prefix(key)?.strip_prefix(':'))
                .map(str::trim)
        };
        let named = |stem: &str, key: &str, plain: &str, ext: &str| match hash(key) {
            Some(hash) => format!("{stem}.{hash}.{ext}"),
            None => format!("{stem}{plain}.{ext}"),
        };
        let js = named(output_name, "js", "", "js");
        let wasm = named(output_name, "wasm", UNHASHED_WASM, "wasm");
        let split = named("__wasm_split", "split", ".______________________", "js");
        let manifest = named("__wasm_split_manifest", "manifest", "", "json");
        let areas: Option<HashMap<String, Vec<String>>> =
            std::fs::read_to_string(pkg_dir.join(&manifest))
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok());
        Self {
            js: format!("/pkg/{js}"),
            wasm: format!("/pkg/{wasm}"),
            split: areas.is_some().then(|| format!("/pkg/{split}")),
            areas: areas
                .unwrap_or_default()
                .into_iter()
                // `cases_area_12630985911385295499`: the lazy function's name and a hash.
                .filter_map(|(key, modules)| {
                    let (area, _) = key.rsplit_once('_')?;
                    let modules = modules.iter().map(|m| format!("/pkg/{m}.wasm")).collect();
                    Some((area.to_owned(), modules))
                })
                .collect(),
        }
    }

    /// What to fetch for a page of `area`, in the order the page needs it.
    fn files(&self, area: Option<&str>) -> Vec<&str> {
        let mut files = vec![self.js.as_str(), self.wasm.as_str()];
        if let (Some(split), Some(modules)) = (&self.split, area.and_then(|a| self.areas.get(a))) {
            files.push(split);
            files.extend(modules.iter().map(String::as_str));
        }
        files
    }
}

/// Records the build's files. The first call wins: one process serves one build.
pub fn set_build(build: Build) {
    let _ = BUILD.set(build);
}

/// The `<script>` for the document's `<head>`.
#[component]
pub fn HydrationStart() -> impl IntoView {
    let fallback = Build::default();
    let build = BUILD.get().unwrap_or(&fallback);
    let area = request_path().as_deref().and_then(crate::routes::area_of);
    let files = serde_json::to_string(&build.files(area)).unwrap_or_else(|_| "[]".into());
    let script = format!("({START})({files});");
    view! { <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script> }
}

fn request_path() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().map(|parts| parts.uri.path().to_owned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// `files[0]` is the main module and `files[1]` its wasm. The links let the browser
/// fetch them all at once; `import()` and wasm-bindgen's `fetch` then find them in the
/// preload cache (`crossorigin` as `fetch()` asks for them).
const START: &str = r#"(files) => {
  const start = () => {
    for (const href of files) {
      const link = document.createElement("link");
      if (href.endsWith(".js")) {
        link.rel = "modulepreload";
      } else {
        link.rel = "preload";
        link.as = "fetch";
        link.type = "application/wasm";
      }
      link.crossOrigin = "anonymous";
      link.href = href;
      link.dataset.hydrationStart = "";
      document.head.append(link);
    }
    import(files[0]).then((app) =>
      app.default({ module_or_path: files[1] }).then(() => setTimeout(app.hydrate, 0)));
  };
  const afterPaint = () => {
    if (document.visibilityState === "hidden") start();
    else requestAnimationFrame(() => setTimeout(start, 0));
  };
  if (document.readyState === "complete") afterPaint();
  else addEventListener("load", afterPaint, { once: true });
}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_hashed_files_and_the_area_modules() {
        let dir = std::env::temp_dir().join(format!("hydration-start-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        std::fs::write(
            dir.join("__wasm_split_manifest.M1.json"),
            r#"{"cases_area_123":["chunk_6.a","split_cases_area_123.b"],"admin_area_123":["chunk_6.a"]}"#,
        )
        .unwrap_or_default();
        let hashes = "js: J1\nwasm: W1\ncss: C1\nmanifest: M1\nsplit: S1\n";
        let build = Build::read("casework", Some(hashes), &dir);
        assert_eq!(
            build.files(Some("cases_area")),
            [
                "/pkg/casework.J1.js",
                "/pkg/casework.W1.wasm",
                "/pkg/__wasm_split.S1.js",
                "/pkg/chunk_6.a.wasm",
                "/pkg/split_cases_area_123.b.wasm"
            ]
        );
        // A page outside every area (not found) gets the main module only.
        assert_eq!(
            build.files(None),
            ["/pkg/casework.J1.js", "/pkg/casework.W1.wasm"]
        );
        assert_eq!(build.files(Some("nowhere")).len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unhashed_unsplit_build_has_the_plain_names() {
        let build = Build::read("casework", None, std::path::Path::new("/nonexistent"));
        assert_eq!(
            build.files(Some("cases_area")),
            [
                "/pkg/casework.js".to_owned(),
                format!("/pkg/casework{UNHASHED_WASM}.wasm")
            ]
        );
    }
}
