//! Bench clusters: one store spread over many loopback managers, in-process or as a layout file for the
//! reference manager's CLI.
use crate::refmanager::{InstanceLayout, Layout, StoreLayout};

/// Hosts that fit one loopback /24: `127.0.<subnet>.1 ..`.
const ONE_SUBNET: usize = 254;

/// The most hosts `hosts` hands out: `127.<subnet>.0.1 .. 127.<subnet>.255.254`.
pub const MAX_HOSTS: usize = 256 * ONE_SUBNET;

/// `count` loopback hosts of the bench scenario `subnet`: `127.0.<subnet>.1 ..` up to 254 of them, beyond that
/// `127.<subnet>.<y>.<z>` (z 1-254), all of 127.0.0.0/8 being loopback on Linux. Each scenario has its own subnet
/// so runs never collide.
pub fn hosts(subnet: u8, count: usize) -> Result<Vec<String>, String> {
    if count == 0 || count > MAX_HOSTS {
        return Err(format!("{} managers: the bench places 1 to {} on loopback addresses", count, MAX_HOSTS));
    }
    if count <= ONE_SUBNET {
        return Ok((1..=count).map(|i| format!("127.0.{}.{}", subnet, i)).collect());
    }
    Ok((0..count).map(|i| format!("127.{}.{}.{}", subnet, i / ONE_SUBNET, i % ONE_SUBNET + 1)).collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_fill_a_subnet_then_spread_over_127_subnet_y_z() {
        assert_eq!(hosts(201, 2).unwrap(), vec!["127.0.201.1", "127.0.201.2"]);
        assert_eq!(hosts(201, 254).unwrap().last().unwrap(), "127.0.201.254");
        let wide = hosts(201, 1000).unwrap();
        assert_eq!(wide.len(), 1000);
        assert_eq!(wide[0], "127.201.0.1");
        assert_eq!(wide[253], "127.201.0.254");
        assert_eq!(wide[254], "127.201.1.1");
        assert_eq!(wide[999], "127.201.3.238");
        let distinct: std::collections::HashSet<&String> = wide.iter().collect();
        assert_eq!(distinct.len(), 1000);
        assert!(hosts(201, 0).is_err());
        assert!(hosts(201, MAX_HOSTS + 1).is_err());
    }
}
