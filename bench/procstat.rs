//! What the kernel says about this process: memory high-water mark, threads, CPU time (Linux /proc, getrusage).
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A `kB` field of /proc/self/status, e.g. "VmHWM" (peak resident set) or "VmRSS".
pub fn status_kb(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status_kb(&text, field)
}

fn parse_status_kb(text: &str, field: &str) -> Option<u64> {
    let prefix = format!("{}:", field);
    let line = text.lines().find(|l| l.starts_with(&prefix))?;
    line[prefix.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

pub fn thread_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|entries| entries.count())
}

/// User plus system CPU time of the whole process so far.
/// CPU time of the calling thread.
fn this_thread_cpu() -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the struct we own.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } != 0 {
        return Duration::default();
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

pub fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return Duration::from_secs(0);
        }
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Samples /proc/self/task on its own thread and keeps the highest count, not counting itself.
pub struct ThreadSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicUsize>,
    samples: Arc<AtomicUsize>,
    handle: Option<JoinHandle<Duration>>,
}

impl ThreadSampler {
    pub fn start(interval: Duration) -> std::io::Result<ThreadSampler> {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicUsize::new(0));
        let samples = Arc::new(AtomicUsize::new(0));
        let (s, p, n) = (Arc::clone(&stop), Arc::clone(&peak), Arc::clone(&samples));
        let handle = std::thread::Builder::new().name("bench-thread-sampler".into()).spawn(move || {
            while !s.load(Ordering::SeqCst) {
                if let Some(count) = thread_count() {
                    p.fetch_max(count.saturating_sub(1), Ordering::SeqCst);
                    n.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(interval);
            }
            this_thread_cpu()
        })?;
        Ok(ThreadSampler { stop, peak, samples, handle: Some(handle) })
    }

    /// (peak thread count without the sampler, number of samples taken, CPU the sampler itself used). Reading
    /// /proc/self/task every 2 ms costs more the more threads there are (seconds at 257 threads over a minute):
    /// the client's CPU figure leaves it out.
    pub fn finish(mut self) -> (usize, usize, Duration) {
        self.stop.store(true, Ordering::SeqCst);
        let own = self.handle.take().and_then(|h| h.join().ok()).unwrap_or_default();
        (self.peak.load(Ordering::SeqCst), self.samples.load(Ordering::SeqCst), own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kb_fields() {
        let text = "Name:\tx\nVmHWM:\t   10240 kB\nVmRSS:\t    9000 kB\n";
        assert_eq!(parse_status_kb(text, "VmHWM"), Some(10240));
        assert_eq!(parse_status_kb(text, "VmRSS"), Some(9000));
        assert_eq!(parse_status_kb(text, "VmPeak"), None);
    }

    #[test]
    fn the_sampler_sees_this_thread() {
        let sampler = ThreadSampler::start(Duration::from_millis(1)).expect("sampler starts");
        std::thread::sleep(Duration::from_millis(20));
        let (peak, samples, _) = sampler.finish();
        assert!(peak >= 1 && samples >= 1, "peak {} samples {}", peak, samples);
    }
}
