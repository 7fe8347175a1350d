//! dkv-bench: timings of the native core against the reference manager (see bench/README.md). Ratios are
//! computed from figures measured in this one run; nothing here asserts a speed.
use dkv_refmanager as refmanager;

mod cancel;
mod child;
mod cluster;
mod options;
mod parallel;
mod procstat;
mod raw_http;
mod report;
mod roundtrip;
mod scale;
mod stats;
mod table;

use std::process::exit;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(|a| a.as_str()) == Some(child::FLAG) {
        let outcome = child::ChildArgs::parse(&args[1..]).and_then(|a| child::run(&a));
        match outcome {
            Ok(report) => println!("{}", report.to_line()),
            Err(message) => {
                eprintln!("dkv-bench client: {}", message);
                exit(1);
            }
        }
        return;
    }
    let opts = match options::parse(&args) {
        Ok(opts) => opts,
        Err(message) => {
            if message.is_empty() {
                println!("{}", options::USAGE);
                return;
            }
            eprintln!("dkv-bench: {}\n{}", message, options::USAGE);
            exit(2);
        }
    };
    if let Err(message) = run(&opts) {
        eprintln!("dkv-bench: {}", message);
        exit(1);
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn run(opts: &options::Options) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("dkv-bench: {} cores, load average {} (other work on the machine skews timings)", cores, load_average());
    println!();
    let mut ratios = Vec::new();
    if opts.parallel {
        for &model in &opts.models {
            let mut p = opts.parallel_opts.clone();
            p.model = model;
            parallel::run(&p, &mut ratios)?;
        }
    }
    if opts.scale {
        for &force in &opts.scale_forced {
            let mut s = opts.scale_opts.clone();
            s.force = force;
            scale::run(&s, &mut ratios)?;
        }
    }
    if opts.roundtrip {
        roundtrip::run(&opts.roundtrip_opts, &mut ratios)?;
    }
    if opts.cancel {
        cancel::run(&opts.cancel_opts, &mut ratios)?;
    }
    report::print_ratios(&ratios);
    println!("load average at the end: {}", load_average());
    Ok(())
}
