//! Which nodes to stop, and through which manager: selection by instance name, routing by the node's server.
use crate::error::{DkvError, ErrorKind};
use crate::net::address::ManagerEndpoint;
use crate::net::wire::{InstanceDoc, StoreDoc};
use crate::planning::route::ServerMatcher;

/// Nodes that live on one targeted manager, in discovery order.
#[derive(Debug, Clone)]
pub struct ManagerGroup {
    pub endpoint: ManagerEndpoint,
    pub nodes: Vec<InstanceDoc>,
}

#[derive(Debug, Clone)]
pub struct SkippedNode {
    pub instance: String,
    pub manager: String,
    pub reason: String,
}

/// Where one selected node goes: the manager on its server, or nowhere (SKIPPED, with the row's text).
#[derive(Debug, Clone)]
pub enum Route {
    To(ManagerEndpoint),
    Skipped(SkippedNode),
}

/// One selected node, in the order the plan lists them (the store's, as discovery answered).
#[derive(Debug, Clone)]
pub struct PlannedNode {
    pub instance: String,
    pub server: String,
    pub route: Route,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// In order of each manager's first node in the discovery answer.
    pub groups: Vec<ManagerGroup>,
    pub skipped: Vec<SkippedNode>,
    /// Every selected node in discovery order, with its route: what a preview (-WhatIf) shows.
    pub nodes: Vec<PlannedNode>,
    /// Every node of the store is selected and reachable: the case a passive whole-store stop is for.
    pub whole_store: bool,
}

impl Plan {
    pub fn node_count(&self) -> usize {
        self.groups.iter().map(|g| g.nodes.len()).sum::<usize>() + self.skipped.len()
    }
}

/// Routes each selected node to the targeted manager on its server, by name or by address (`route`'s rule;
/// `matcher` resolves names at most once per operation, under its deadline). `instances` None selects every
/// node (and only then may the stop be a whole-store one); a list selects the nodes it names, each once however
/// often it is named, in the store's order whatever the list's.
pub fn plan(
    store: &str,
    doc: &StoreDoc,
    instances: Option<&[String]>,
    targets: &[ManagerEndpoint],
    matcher: &ServerMatcher,
) -> Result<Plan, DkvError> {
    if doc.instances.is_empty() {
        return Err(DkvError::new(
            ErrorKind::InstanceNotFound,
            format!("Store '{}' lists no nodes; there is nothing to do.", store),
        ));
    }
    let selected: Vec<&InstanceDoc> = match instances {
        None => doc.instances.iter().collect(),
        Some(names) => select_all(store, doc, names)?,
    };
    let default_port = targets.first().map(|t| t.port).unwrap_or(crate::net::address::DEFAULT_PORT);
    let mut groups: Vec<ManagerGroup> = Vec::new();
    let mut skipped = Vec::new();
    let mut nodes = Vec::with_capacity(selected.len());
    for node in selected {
        let route = match matcher.find(targets, &node.server) {
            Some(endpoint) => {
                match groups.iter_mut().find(|g| &g.endpoint == endpoint) {
                    Some(group) => group.nodes.push(node.clone()),
                    None => groups.push(ManagerGroup { endpoint: endpoint.clone(), nodes: vec![node.clone()] }),
                }
                Route::To(endpoint.clone())
            }
            None => Route::Skipped(SkippedNode {
                instance: node.name.clone(),
                manager: server_display(&node.server, default_port),
                // Both sides as given and, where a name was resolved, what it resolved to: the operator sees
                // why `mgr11.corp` and `10.0.0.11` were (not) taken for the same machine.
                reason: format!(
                    "server {} is not among the targeted managers ({})",
                    matcher.describe(&node.server),
                    targets.iter().map(|t| matcher.describe_endpoint(t)).collect::<Vec<_>>().join(", ")
                ),
            }),
        };
        if let Route::Skipped(s) = &route {
            skipped.push(s.clone());
        }
        nodes.push(PlannedNode { instance: node.name.clone(), server: node.server.clone(), route });
    }
    let whole_store = instances.is_none() && skipped.is_empty();
    Ok(Plan { groups, skipped, nodes, whole_store })
}

/// The nodes a list names, in the store's order, each once. An empty list is the caller's mistake, never
/// "every node".
fn select_all<'a>(store: &str, doc: &'a StoreDoc, names: &[String]) -> Result<Vec<&'a InstanceDoc>, DkvError> {
    if names.is_empty() {
        return Err(DkvError::invalid("The instance list is empty. Name at least one node, or none for every node."));
    }
    let mut chosen = vec![false; doc.instances.len()];
    for name in names {
        let node = select(store, doc, name)?;
        if let Some(i) = doc.instances.iter().position(|i| std::ptr::eq(i, node)) {
            chosen[i] = true;
        }
    }
    Ok(doc.instances.iter().zip(chosen).filter(|(_, c)| *c).map(|(n, _)| n).collect())
}

fn select<'a>(store: &str, doc: &'a StoreDoc, name: &str) -> Result<&'a InstanceDoc, DkvError> {
    if let Some(exact) = doc.instances.iter().find(|i| i.name == name) {
        return Ok(exact);
    }
    let folded: Vec<&InstanceDoc> = doc.instances.iter().filter(|i| i.name.eq_ignore_ascii_case(name)).collect();
    if folded.len() == 1 {
        return Ok(folded[0]);
    }
    let names: Vec<&str> = doc.instances.iter().map(|i| i.name.as_str()).collect();
    Err(DkvError::new(
        ErrorKind::InstanceNotFound,
        format!("Store '{}' has no node named '{}'. Its nodes are: {}.", store, name, names.join(", ")),
    ))
}

fn server_display(server: &str, port: u16) -> String {
    let server = server.trim();
    if server.contains(':') && !server.starts_with('[') {
        format!("[{}]:{}", server, port)
    } else {
        format!("{}:{}", server, port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::Deadline;
    use crate::net::address::{ManagerEndpoint, DEFAULT_PORT};
    use std::sync::Arc;
    use std::time::Duration;

    fn doc() -> StoreDoc {
        let node = |name: &str, server: &str| InstanceDoc {
            name: name.into(),
            server: server.into(),
            clustron_port: Some(7811),
            client_port: Some(7861),
            status: Some("Running".into()),
            migrations_remaining: None,
        };
        StoreDoc {
            name: Some("OrdersStore".into()),
            instances: vec![
                node("orders-1", "10.0.0.11"),
                node("orders-2", "10.0.0.12"),
                node("orders-3", "10.0.0.11"),
            ],
        }
    }

    fn names_only() -> ServerMatcher {
        names()
    }

    fn names() -> ServerMatcher {
        ServerMatcher::new(&Deadline::after(Duration::from_secs(10)), None)
    }

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn targets(list: &[&str]) -> Vec<ManagerEndpoint> {
        list.iter().map(|a| ManagerEndpoint::parse(a, DEFAULT_PORT).unwrap()).collect()
    }

    #[test]
    fn groups_by_manager_in_discovery_order() {
        let p = plan("OrdersStore", &doc(), None, &targets(&["10.0.0.12", "10.0.0.11"]), &names()).unwrap();
        assert_eq!(p.groups.len(), 2);
        assert_eq!(p.groups[0].endpoint.host, "10.0.0.11");
        assert_eq!(p.groups[0].nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["orders-1", "orders-3"]);
        assert!(p.whole_store);
    }

    #[test]
    fn nodes_on_untargeted_servers_are_skipped_with_a_reason() {
        let p = plan("OrdersStore", &doc(), None, &targets(&["10.0.0.11"]), &names()).unwrap();
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.skipped[0].manager, "10.0.0.12:7801");
        assert!(p.skipped[0].reason.contains("10.0.0.12 is not among the targeted managers (10.0.0.11:7801)"));
        assert!(!p.whole_store);
    }

    #[test]
    fn managers_named_by_dns_name_route_nodes_listed_by_address() {
        // The reference's production layout: servers by address, managers as operators name them.
        let corp: crate::planning::route::Resolver = Arc::new(|name: &str| match name {
            "mgr11.corp" => Ok(vec!["10.0.0.11".parse().expect("address")]),
            "mgr12.corp" => Ok(vec!["10.0.0.12".parse().expect("address")]),
            other => Err(format!("{} is unknown", other)),
        });
        let matcher = ServerMatcher::with_resolver(&Deadline::after(Duration::from_secs(10)), None, corp);
        let p = plan("OrdersStore", &doc(), None, &targets(&["mgr11.corp", "mgr12.corp"]), &matcher).unwrap();
        assert!(p.skipped.is_empty(), "{:?}", p.skipped);
        assert_eq!(p.groups[0].endpoint.host, "mgr11.corp");
        assert_eq!(p.groups[0].nodes.len(), 2);
        assert_eq!(p.groups[1].endpoint.host, "mgr12.corp");
        assert!(p.whole_store);

        let p = plan("OrdersStore", &doc(), None, &targets(&["mgr11.corp", "mgr13.corp"]), &matcher).unwrap();
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(
            p.skipped[0].reason,
            "server 10.0.0.12 is not among the targeted managers (mgr11.corp:7801 (resolved to \
             10.0.0.11), mgr13.corp:7801 (could not be resolved: mgr13.corp is unknown; compared by name only))"
        );
    }

    #[test]
    fn unknown_instance_lists_the_nodes() {
        let e =
            plan("OrdersStore", &doc(), Some(&list(&["orders-9"])), &targets(&["10.0.0.11"]), &names()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InstanceNotFound);
        assert!(e.message.ends_with("Its nodes are: orders-1, orders-2, orders-3."), "{}", e.message);
    }

    #[test]
    fn instance_selection_is_exact_then_case_insensitive() {
        let p = plan("OrdersStore", &doc(), Some(&list(&["ORDERS-2"])), &targets(&["10.0.0.12"]), &names()).unwrap();
        assert_eq!(p.groups[0].nodes[0].name, "orders-2");
        assert!(!p.whole_store);
    }

    #[test]
    fn empty_store_is_an_error() {
        let empty = StoreDoc { name: None, instances: vec![] };
        assert!(plan("S", &empty, None, &targets(&["10.0.0.11"]), &names()).is_err());
    }

    #[test]
    fn a_list_selects_its_nodes_in_store_order_each_once() {
        let names = list(&["orders-3", "orders-1", "ORDERS-3", "orders-3"]);
        let p =
            plan("OrdersStore", &doc(), Some(&names), &targets(&["10.0.0.11", "10.0.0.12"]), &names_only()).unwrap();
        let order: Vec<&str> = p.nodes.iter().map(|n| n.instance.as_str()).collect();
        assert_eq!(order, ["orders-1", "orders-3"]);
        assert_eq!(p.node_count(), 2);
        assert!(!p.whole_store, "a list is never a whole-store stop, even of every node");
        let all = list(&["orders-1", "orders-2", "orders-3"]);
        let p = plan("OrdersStore", &doc(), Some(&all), &targets(&["10.0.0.11", "10.0.0.12"]), &names_only()).unwrap();
        assert_eq!(p.node_count(), 3);
        assert!(!p.whole_store);
    }

    #[test]
    fn a_list_with_an_unknown_name_or_no_names_selects_nothing() {
        let names = list(&["orders-1", "orders-9"]);
        let e = plan("OrdersStore", &doc(), Some(&names), &targets(&["10.0.0.11"]), &names_only()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InstanceNotFound);
        assert!(e.message.contains("no node named 'orders-9'"), "{}", e.message);
        let e = plan("OrdersStore", &doc(), Some(&[]), &targets(&["10.0.0.11"]), &names_only()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
    }

    #[test]
    fn nodes_carry_their_route_in_store_order() {
        let p = plan("OrdersStore", &doc(), None, &targets(&["10.0.0.11"]), &names_only()).unwrap();
        let routes: Vec<String> = p
            .nodes
            .iter()
            .map(|n| match &n.route {
                Route::To(e) => format!("{} -> {}", n.instance, e.display_name()),
                Route::Skipped(s) => format!("{} skipped at {}: {}", n.instance, s.manager, s.reason),
            })
            .collect();
        assert_eq!(routes[0], "orders-1 -> 10.0.0.11:7801");
        assert!(routes[1].starts_with("orders-2 skipped at 10.0.0.12:7801: server 10.0.0.12"));
        assert_eq!(routes[2], "orders-3 -> 10.0.0.11:7801");
        assert_eq!(p.nodes[1].server, "10.0.0.12");
    }
}
