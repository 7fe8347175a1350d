//! Command-line flags of dkv-bench.
use crate::cancel::CancelOptions;
use crate::parallel::{ParallelOptions, StopModel};
use crate::roundtrip::RoundTripOptions;
use crate::scale::ScaleOptions;
use std::path::PathBuf;

pub const USAGE: &str = "\
usage: dkv-bench [flags]
  --scenario LIST        parallel,scale,roundtrip,cancel (default: all four)
  --timeout SEC          -TimeoutSec of every timed stop (default 120)
scenario 1 (parallel):
  --managers N           managers, one node each (default 64)
  --stop-ms MS           how long each node takes to stop (default 200)
  --model LIST           graceful,forced: graceful = stop delay, forced = latency fault (default graceful)
  --reps N               repetitions of discovery, one stop and each parallel run (default 3)
  --seq-reps N           repetitions of the sequential run (default 1)
scenario 2 (scale):
  --sizes LIST           node counts (default 100,1000,10000)
  --per-manager N        nodes per manager (default 10; managers beyond 254 use 127.201.y.z)
  --forced-max-nodes N   forced stops only up to this many nodes (default: every size)
  --scale-model LIST     graceful,forced: the kind of stop (default graceful)
  --scale-sequential     without -Parallel (default parallel)
  --throttle N           parallel throttle, 0 = the library default of 32 (default 0)
  --scale-stop-delay-ms  the managers' stop delay (default 50)
  --refmanager PATH      dkv-refmanager binary (default: target/<profile>/dkv-refmanager, beside examples/)
scenario 3 (roundtrip):
  --iterations N         timed stops of each kind (default 1000)
  --warmup N             untimed stops first (default 50)
scenario 5 (cancel):
  --cancel-reps N        cancels per kind of silent manager (default 20)";

pub struct Options {
    pub parallel: bool,
    pub scale: bool,
    pub roundtrip: bool,
    pub cancel: bool,
    pub models: Vec<StopModel>,
    /// true = forced, per run of scenario 2.
    pub scale_forced: Vec<bool>,
    pub parallel_opts: ParallelOptions,
    pub scale_opts: ScaleOptions,
    pub roundtrip_opts: RoundTripOptions,
    pub cancel_opts: CancelOptions,
}

fn default_refmanager() -> PathBuf {
    std::env::current_exe()
        .ok()
        // This bench is an example (target/<profile>/examples/); the reference manager is a workspace binary one up.
        .and_then(|p| p.parent().and_then(|examples| examples.parent()).map(|dir| dir.join("dkv-refmanager")))
        .unwrap_or_else(|| PathBuf::from("dkv-refmanager"))
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{} expects a number, got {:?}", flag, value))
}

fn positive(flag: &str, value: &str) -> Result<usize, String> {
    let n: usize = number(flag, value)?;
    if n == 0 {
        return Err(format!("{} must be at least 1", flag));
    }
    Ok(n)
}

pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        parallel: true,
        scale: true,
        roundtrip: true,
        cancel: true,
        models: vec![StopModel::Graceful],
        scale_forced: vec![false],
        parallel_opts: ParallelOptions {
            managers: 64,
            stop_ms: 200,
            model: StopModel::Graceful,
            reps: 3,
            sequential_reps: 1,
            timeout_sec: 120,
        },
        scale_opts: ScaleOptions {
            sizes: vec![100, 1_000, 10_000],
            per_manager: 10,
            force: false,
            parallel: true,
            throttle: 0,
            stop_delay_ms: 50,
            timeout_sec: 120,
            refmanager: default_refmanager(),
            forced_max_nodes: usize::MAX,
        },
        roundtrip_opts: RoundTripOptions { iterations: 1000, warmup: 50 },
        cancel_opts: CancelOptions { reps: 20 },
    };
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let switch = matches!(flag, "--scale-sequential" | "--help" | "-h");
        let value = if switch {
            ""
        } else {
            i += 1;
            args.get(i).map(|s| s.as_str()).ok_or_else(|| format!("{} needs a value", flag))?
        };
        match flag {
            "--help" | "-h" => return Err(String::new()),
            "--scenario" => {
                opts.parallel = false;
                opts.scale = false;
                opts.roundtrip = false;
                opts.cancel = false;
                for name in value.split(',') {
                    match name.trim() {
                        "parallel" => opts.parallel = true,
                        "scale" => opts.scale = true,
                        "roundtrip" => opts.roundtrip = true,
                        "cancel" => opts.cancel = true,
                        "all" => {
                            opts.parallel = true;
                            opts.scale = true;
                            opts.roundtrip = true;
                            opts.cancel = true;
                        }
                        other => return Err(format!("unknown scenario {:?}", other)),
                    }
                }
            }
            "--timeout" => {
                let t: i64 = number(flag, value)?;
                if !(1..=86_400).contains(&t) {
                    return Err("--timeout must be 1 to 86400 seconds".into());
                }
                opts.parallel_opts.timeout_sec = t;
                opts.scale_opts.timeout_sec = t;
            }
            "--managers" => opts.parallel_opts.managers = positive(flag, value)?,
            "--stop-ms" => opts.parallel_opts.stop_ms = number(flag, value)?,
            "--model" => {
                opts.models = value.split(',').map(|m| StopModel::parse(m.trim())).collect::<Result<_, _>>()?
            }
            "--reps" => opts.parallel_opts.reps = positive(flag, value)?,
            "--seq-reps" => opts.parallel_opts.sequential_reps = number(flag, value)?,
            "--sizes" => {
                opts.scale_opts.sizes = value.split(',').map(|s| positive(flag, s.trim())).collect::<Result<_, _>>()?
            }
            "--per-manager" => opts.scale_opts.per_manager = positive(flag, value)?,
            "--forced-max-nodes" => opts.scale_opts.forced_max_nodes = number(flag, value)?,
            "--scale-model" => {
                opts.scale_forced = value
                    .split(',')
                    .map(|m| StopModel::parse(m.trim()).map(|m| m == StopModel::Forced))
                    .collect::<Result<_, _>>()?
            }
            "--scale-sequential" => opts.scale_opts.parallel = false,
            "--throttle" => opts.scale_opts.throttle = number(flag, value)?,
            "--scale-stop-delay-ms" => opts.scale_opts.stop_delay_ms = number(flag, value)?,
            "--refmanager" => opts.scale_opts.refmanager = PathBuf::from(value),
            "--iterations" => opts.roundtrip_opts.iterations = positive(flag, value)?,
            "--warmup" => opts.roundtrip_opts.warmup = number(flag, value)?,
            "--cancel-reps" => opts.cancel_opts.reps = positive(flag, value)?,
            other => return Err(format!("unknown flag {:?}", other)),
        }
        i += 1;
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(|s| s.to_string()).collect()
    }

    #[test]
    fn picks_scenarios_and_sizes() {
        let o = parse(&args("--scenario scale --sizes 10,20 --scale-model forced,graceful --model graceful,forced"))
            .unwrap();
        assert!(o.scale && !o.parallel && !o.roundtrip);
        assert_eq!(o.scale_opts.sizes, vec![10, 20]);
        assert_eq!(o.scale_forced, vec![true, false]);
        assert_eq!(o.models, vec![StopModel::Graceful, StopModel::Forced]);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(parse(&args("--managers 0")).is_err());
        assert!(parse(&args("--model slow")).is_err());
        assert!(parse(&args("--reps")).is_err());
        assert!(parse(&args("--bogus 1")).is_err());
        assert!(parse(&args("--timeout 0")).is_err());
    }
}
