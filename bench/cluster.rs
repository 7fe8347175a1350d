//! Bench clusters: one store spread over many loopback managers, in-process or as a layout file for the
//! reference manager's CLI.
use crate::refmanager::{InstanceLayout, Layout, StoreLayout};

/// `count` loopback hosts `127.0.<subnet>.1 ..`; each bench scenario has its own subnet so runs never collide.
pub fn hosts(subnet: u8, count: usize) -> Result<Vec<String>, String> {
    if count == 0 || count > 254 {
        return Err(format!("{} managers do not fit one loopback /24 (1 to 254)", count));
    }
    Ok((1..=count).map(|i| format!("127.0.{}.{}", subnet, i)).collect())
}

/// `per_manager` nodes on each host, named `node-<manager>-<n>`, in manager-major order.
pub fn store_layout(store: &str, hosts: &[String], per_manager: usize) -> StoreLayout {
    let mut instances = Vec::with_capacity(hosts.len() * per_manager);
    for (m, host) in hosts.iter().enumerate() {
        for n in 1..=per_manager {
            instances.push(InstanceLayout {
                name: format!("node-{:03}-{:02}", m + 1, n),
                server: host.clone(),
                clustron_port: 7811,
                client_port: 7861,
                status: "Running".to_string(),
            });
        }
    }
    StoreLayout { name: store.to_string(), partitions: 12, backups: 1, instances }
}

pub fn layout_json(store: &StoreLayout) -> Result<String, String> {
    let layout = Layout { stores: vec![store.clone()] };
    serde_json::to_string_pretty(&layout).map_err(|e| format!("cannot write the layout: {}", e))
}

/// `host:port` for every host, the form `Session::connect` takes.
pub fn addresses(hosts: &[String], port: u16) -> Vec<String> {
    hosts.iter().map(|h| format!("{}:{}", h, port)).collect()
}
