//! The cluster layout a reference manager starts from (and returns to on reset), read from JSON.
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io;

pub const DEMO_LAYOUT_JSON: &str = include_str!("demo-layout.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Layout {
    pub stores: Vec<StoreLayout>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreLayout {
    pub name: String,
    #[serde(default = "default_partitions")]
    pub partitions: u32,
    #[serde(default = "default_backups")]
    pub backups: u32,
    pub instances: Vec<InstanceLayout>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstanceLayout {
    pub name: String,
    pub server: String,
    #[serde(default = "default_clustron_port")]
    pub clustron_port: u16,
    #[serde(default = "default_client_port")]
    pub client_port: u16,
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_partitions() -> u32 {
    12
}
fn default_backups() -> u32 {
    1
}
fn default_clustron_port() -> u16 {
    7811
}
fn default_client_port() -> u16 {
    7861
}
fn default_status() -> String {
    "Running".to_string()
}

impl Layout {
    pub fn demo() -> Layout {
        // The demo file ships inside the binary; a parse failure is a bug in that file, caught by every test.
        Layout::from_json(DEMO_LAYOUT_JSON).expect("demo-layout.json is a valid layout")
    }

    pub fn from_json(text: &str) -> io::Result<Layout> {
        let layout: Layout = serde_json::from_str(text)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("invalid layout JSON: {e}")))?;
        layout.validate()?;
        Ok(layout)
    }

    pub fn from_file(path: &str) -> io::Result<Layout> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read layout file {path}: {e}")))?;
        Layout::from_json(&text).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))
    }

    /// Names are the keys of the HTTP API, so duplicates would make a store or node unreachable.
    pub fn validate(&self) -> io::Result<()> {
        let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
        let mut stores = HashSet::new();
        for store in &self.stores {
            if store.name.is_empty() {
                return invalid("a store has an empty name".to_string());
            }
            if !stores.insert(store.name.as_str()) {
                return invalid(format!("store {:?} appears twice", store.name));
            }
            let mut instances = HashSet::new();
            for instance in &store.instances {
                if instance.name.is_empty() {
                    return invalid(format!("store {:?} has an instance with an empty name", store.name));
                }
                if !instances.insert(instance.name.as_str()) {
                    return invalid(format!("store {:?}: instance {:?} appears twice", store.name, instance.name));
                }
            }
        }
        Ok(())
    }
}
