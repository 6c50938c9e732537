//! Bulk actions: cancel or replay a selection of runs (applied by `rules/bulk.rs`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    Cancel,
    Replay,
}

impl BulkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BulkKind::Cancel => "CANCEL",
            BulkKind::Replay => "REPLAY",
        }
    }
}

#[derive(Debug, Clone)]
pub struct BulkAction {
    pub id: String,
    pub env_id: String,
    pub seq: u64,
    pub kind: BulkKind,
    pub name: Option<String>,
    /// `PENDING`, `COMPLETED` or `ABORTED`.
    pub status: &'static str,
    /// The runs selected when the action was created.
    pub run_ids: Vec<String>,
    /// Runs the replay created.
    pub new_run_ids: Vec<String>,
    pub target_region: Option<String>,
    pub success: u64,
    pub failure: u64,
    pub created_ms: i64,
    pub completed_ms: Option<i64>,
}

/// Every bulk action of every env.
#[derive(Debug, Clone, Default)]
pub struct BulkActions {
    pub list: Vec<BulkAction>,
    /// When true, new bulk actions stay PENDING until processed (admin) or aborted.
    pub defer: bool,
    seq: u64,
}

impl BulkActions {
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}
