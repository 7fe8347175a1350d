//! The layers of src/ (README.md, "Layout"): every `crate::` reference outside unit tests points down or
//! sideways, and no two modules refer to each other in a circle. Reads the sources; builds nothing.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom up. The shared vocabulary sits in src/ itself; every other module lives in one layer's folder.
const LAYERS: [&str; 6] = ["", "net", "planning", "endpoints", "operation", "ffi"];
const VOCABULARY: [&str; 3] = ["error", "deadline", "results"];

fn layer(module: &str) -> usize {
    let top = module.split("::").next().unwrap_or("");
    LAYERS.iter().position(|l| *l == top).unwrap_or(0)
}

/// `net::tls::windows` counts as `net::tls`: a file's own submodules are part of it.
fn unit(module: &str) -> String {
    let parts: Vec<&str> = module.split("::").collect();
    let keep = if layer(module) == 0 { 1 } else { 2 };
    parts[..parts.len().min(keep)].join("::")
}

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().map_or(false, |e| e == "rs") {
            let rel = path.strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).unwrap();
            let module = rel.with_extension("").to_string_lossy().replace('/', "::");
            let module = module.trim_end_matches("::mod").to_string();
            out.push((module, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The modules `text` refers to by `crate::` or `super::`, outside comments and its unit tests.
fn references(module: &str, text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
    let mut found = BTreeSet::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
            for (at, _) in line.match_indices(prefix) {
                let rest = &line[at + prefix.len()..];
                let path: Vec<&str> = rest
                    .split("::")
                    .map(|s| s.split(|c: char| !(c.is_ascii_lowercase() || c == '_')).next().unwrap_or(""))
                    .take_while(|s| !s.is_empty())
                    .collect();
                if path.is_empty() {
                    continue;
                }
                let target = if base.is_empty() { path.join("::") } else { format!("{}::{}", base, path.join("::")) };
                found.insert(unit(&target));
            }
        }
    }
    found.remove(&unit(module));
    found
}

fn parent(module: &str) -> String {
    match module.rfind("::") {
        Some(i) => module[..i].to_string(),
        None => String::new(),
    }
}

#[test]
fn imports_point_down_the_layers_and_never_in_a_circle() {
    let mut files = Vec::new();
    sources(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut upward = Vec::new();
    for (module, text) in &files {
        if module == "lib" {
            continue;
        }
        if layer(module) == 0 {
            assert!(VOCABULARY.contains(&module.as_str()), "src/{}.rs is in no layer: move it into one", module);
        }
        for target in references(module, text) {
            if layer(&target) > layer(module) {
                upward.push(format!("{} -> {}", module, target));
            }
            graph.entry(unit(module)).or_default().insert(target);
        }
    }
    assert!(upward.is_empty(), "imports pointing up a layer: {:?}", upward);
    assert!(graph.len() > 25, "the walk found too few modules: {:?}", graph.keys());
    // Depth-first search for a circle among the units.
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) {
        if let Some(i) = path.iter().position(|p| p == n) {
            panic!("a circle: {} -> {}", path[i..].join(" -> "), n);
        }
        if done.contains(n) {
            return;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, path, done);
        }
        path.pop();
        done.insert(n.to_string());
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, &graph, &mut Vec::new(), &mut done);
    }
}
