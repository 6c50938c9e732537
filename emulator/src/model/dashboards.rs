//! Custom query dashboards: title, description, widgets (kept as sent) and a revision that
//! every change advances (optimistic concurrency).

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub id: String,
    pub env_id: String,
    pub title: String,
    pub description: Option<String>,
    /// Starts at 1; sent as `rev_<n>`.
    pub revision: u64,
    pub widgets: Vec<Value>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Dashboard {
    pub fn revision_tag(&self) -> String {
        format!("rev_{}", self.revision)
    }
}

#[derive(Debug, Default)]
pub struct Dashboards {
    pub list: Vec<Dashboard>,
}

impl Dashboards {
    pub fn find(&self, env_id: &str, id: &str) -> Option<&Dashboard> {
        self.list.iter().find(|d| d.env_id == env_id && d.id == id)
    }

    pub fn find_mut(&mut self, env_id: &str, id: &str) -> Option<&mut Dashboard> {
        self.list
            .iter_mut()
            .find(|d| d.env_id == env_id && d.id == id)
    }
}
