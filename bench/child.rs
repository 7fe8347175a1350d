//! The client side of scenario 2, run in a process of its own so that its memory and thread figures hold only
//! the client: the managers live in another process, and no earlier scenario inflates the high-water mark.
use crate::procstat::{self, ThreadSampler};
use crate::report::all_succeeded;
use clustron_dkv::{Operation, Session, StopRequest, Targets};
use std::time::{Duration, Instant};

pub const FLAG: &str = "--client-child";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildArgs {
    pub managers: Vec<String>,
    pub store: String,
    pub force: bool,
    pub parallel: bool,
    pub throttle: usize,
    pub expect_rows: usize,
    pub timeout_sec: i64,
}

impl ChildArgs {
    pub fn to_args(&self) -> Vec<String> {
        vec![
            FLAG.to_string(),
            self.managers.join(","),
            self.store.clone(),
            (self.force as u8).to_string(),
            (self.parallel as u8).to_string(),
            self.throttle.to_string(),
            self.expect_rows.to_string(),
            self.timeout_sec.to_string(),
        ]
    }

    /// `args` without the program name and the flag.
    pub fn parse(args: &[String]) -> Result<ChildArgs, String> {
        if args.len() != 7 {
            return Err(format!("{} expects 7 values, got {}", FLAG, args.len()));
        }
        let number = |i: usize| args[i].parse::<usize>().map_err(|_| format!("bad number {:?}", args[i]));
        Ok(ChildArgs {
            managers: args[0].split(',').map(|s| s.to_string()).collect(),
            store: args[1].clone(),
            force: number(2)? == 1,
            parallel: number(3)? == 1,
            throttle: number(4)?,
            expect_rows: number(5)?,
            timeout_sec: number(6)? as i64,
        })
    }
}

/// One line `key=value ...` on stdout, read by the parent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChildReport {
    pub wall_ms: f64,
    pub cpu_ms: f64,
    pub threads_before: usize,
    pub threads_peak: usize,
    pub thread_samples: usize,
    pub hwm_before_kb: u64,
    pub hwm_kb: u64,
    pub rows: usize,
}

impl ChildReport {
    pub fn to_line(&self) -> String {
        format!(
            "RESULT wall_ms={:.3} cpu_ms={:.3} threads_before={} threads_peak={} thread_samples={} hwm_before_kb={} \
             hwm_kb={} rows={}",
            self.wall_ms,
            self.cpu_ms,
            self.threads_before,
            self.threads_peak,
            self.thread_samples,
            self.hwm_before_kb,
            self.hwm_kb,
            self.rows
        )
    }

    pub fn from_output(stdout: &str) -> Result<ChildReport, String> {
        let line = stdout
            .lines()
            .find(|l| l.starts_with("RESULT "))
            .ok_or_else(|| format!("the client child printed no RESULT line: {:?}", stdout))?;
        let mut report = ChildReport::default();
        for pair in line["RESULT ".len()..].split_whitespace() {
            let (key, value) = pair.split_once('=').ok_or_else(|| format!("bad pair {:?}", pair))?;
            let float = || value.parse::<f64>().map_err(|_| format!("bad value {:?}", pair));
            let int = || value.parse::<u64>().map_err(|_| format!("bad value {:?}", pair));
            match key {
                "wall_ms" => report.wall_ms = float()?,
                "cpu_ms" => report.cpu_ms = float()?,
                "threads_before" => report.threads_before = int()? as usize,
                "threads_peak" => report.threads_peak = int()? as usize,
                "thread_samples" => report.thread_samples = int()? as usize,
                "hwm_before_kb" => report.hwm_before_kb = int()?,
                "hwm_kb" => report.hwm_kb = int()?,
                "rows" => report.rows = int()? as usize,
                _ => return Err(format!("unknown key {:?}", key)),
            }
        }
        Ok(report)
    }
}

pub fn run(args: &ChildArgs) -> Result<ChildReport, String> {
    let session = Session::connect(&args.managers, None, Some(args.timeout_sec)).map_err(|e| e.message)?;
    let targets = Targets::resolve::<&str>(Some(&session), &[], None, None).map_err(|e| e.message)?;
    let request = StopRequest {
        store: args.store.clone(),
        instances: None,
        force: args.force,
        parallel: args.parallel,
        fail_fast: false,
        throttle: args.throttle,
        node_timeout: None,
    };
    let threads_before = procstat::thread_count().unwrap_or(0);
    let hwm_before_kb = procstat::status_kb("VmHWM").unwrap_or(0);
    let sampler = ThreadSampler::start(Duration::from_millis(2)).map_err(|e| format!("sampler: {}", e))?;
    let cpu_before = procstat::cpu_time();
    let started = Instant::now();
    let rows = Operation::run(targets, request).map_err(|e| e.message)?;
    let wall = started.elapsed();
    let (threads_peak, thread_samples, sampler_cpu) = sampler.finish();
    let cpu = procstat::cpu_time().saturating_sub(cpu_before).saturating_sub(sampler_cpu);
    all_succeeded("scaled stop", &rows, args.expect_rows)?;
    Ok(ChildReport {
        wall_ms: wall.as_secs_f64() * 1000.0,
        cpu_ms: cpu.as_secs_f64() * 1000.0,
        threads_before,
        threads_peak,
        thread_samples,
        hwm_before_kb,
        hwm_kb: procstat::status_kb("VmHWM").unwrap_or(0),
        rows: rows.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_and_report_round_trip() {
        let args = ChildArgs {
            managers: vec!["127.0.0.1:1".into(), "127.0.0.2:1".into()],
            store: "S".into(),
            force: true,
            parallel: true,
            throttle: 0,
            expect_rows: 20,
            timeout_sec: 60,
        };
        assert_eq!(ChildArgs::parse(&args.to_args()[1..]).unwrap(), args);
        let report = ChildReport {
            wall_ms: 1.5,
            cpu_ms: 2.0,
            threads_before: 2,
            threads_peak: 34,
            thread_samples: 100,
            hwm_before_kb: 4000,
            hwm_kb: 9000,
            rows: 20,
        };
        assert_eq!(ChildReport::from_output(&format!("noise\n{}\n", report.to_line())).unwrap(), report);
    }
}
