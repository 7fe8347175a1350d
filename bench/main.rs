//! Placeholder so the package builds while the bench program is written.
fn main() {
    eprintln!("dkv-bench: not written yet");
    std::process::exit(2);
}
