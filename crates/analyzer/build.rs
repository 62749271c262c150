//! Embeds every file under `rules/` into the binary as `(name, contents)` pairs, with two hashes
//! for the compiled-rule cache (`src/cache.rs`): of those pairs (`BUILTIN_HASH`), and of
//! everything that decides what compiling rules gives (`BUILD_FINGERPRINT`: the pairs, this
//! crate's sources, manifest and build script, and the workspace's lock file).
use std::path::{Path, PathBuf};

/// FNV-1a, 64 bits, each byte string preceded by its length (8 bytes, little-endian): the scheme
/// of `starl_config`'s cache key, which checks `BUILTIN_HASH` against it in a test.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn add(&mut self, bytes: &[u8]) {
        for &b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("readable folder").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// `path` relative to `base`, with forward slashes: the same on every machine.
fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/")
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let root = manifest.join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, "toml", &mut files);
    let mut src = String::from("&[\n");
    let mut builtin = Fnv::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = format!("builtin:{}", relative(f, &root));
        builtin.add(name.as_bytes());
        builtin.add(&std::fs::read(f).unwrap());
        src.push_str(&format!("    ({name:?}, include_str!({:?})),\n", f.display().to_string()));
    }
    src.push(']');
    std::fs::write(out_dir.join("builtin_rules.rs"), src).unwrap();
    std::fs::write(out_dir.join("builtin_hash.rs"), format!("{:#018x}", builtin.0)).unwrap();

    // A cache written by a build whose compiler or dependencies differ is rejected, even when
    // the version number is the same (as it is between commits).
    let mut fingerprint = Fnv::new();
    fingerprint.add(&builtin.0.to_le_bytes());
    let src_dir = manifest.join("src");
    println!("cargo:rerun-if-changed={}", src_dir.display());
    let mut sources = Vec::new();
    collect(&src_dir, "rs", &mut sources);
    sources.push(manifest.join("Cargo.toml"));
    sources.push(manifest.join("build.rs"));
    for f in &sources {
        println!("cargo:rerun-if-changed={}", f.display());
        fingerprint.add(relative(f, &manifest).as_bytes());
        fingerprint.add(&std::fs::read(f).unwrap());
    }
    // Dependency versions (toml, serde, postcard...), when built inside the workspace.
    let lock = manifest.join("../../Cargo.lock");
    if let Ok(bytes) = std::fs::read(&lock) {
        println!("cargo:rerun-if-changed={}", lock.display());
        fingerprint.add(b"Cargo.lock");
        fingerprint.add(&bytes);
    }
    std::fs::write(out_dir.join("build_fingerprint.rs"), format!("{:#018x}", fingerprint.0)).unwrap();
}
