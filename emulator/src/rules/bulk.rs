//! Applying a bulk action to the runs it selected.

use crate::model::bulk::BulkKind;
use crate::rules::error::ControlError;
use crate::state::State;

impl State {
    /// Applies a pending bulk action to its selected runs and completes it.
    pub fn process_bulk_action(&mut self, id: &str) -> Result<(), ControlError> {
        let i = self
            .bulk_actions
            .list
            .iter()
            .position(|b| b.id == id)
            .ok_or(ControlError::BulkActionNotFound)?;
        let b = self.bulk_actions.list[i].clone();
        if b.status != "PENDING" {
            return Err(ControlError::Invalid(format!(
                "Bulk action {id} is {}",
                b.status
            )));
        }
        let now = self.now_ms();
        let (mut success, mut failure, mut created) = (0, 0, Vec::new());
        for run_id in &b.run_ids {
            let Some(src) = self.run(run_id).cloned() else {
                failure += 1;
                continue;
            };
            match b.kind {
                BulkKind::Cancel => {
                    if let Some(r) = self.run_mut(run_id) {
                        if !r.bulk_action_ids.contains(&b.id) {
                            r.bulk_action_ids.push(b.id.clone());
                        }
                        if r.is_final() {
                            failure += 1;
                        } else {
                            r.cancel(now);
                            success += 1;
                        }
                    }
                }
                BulkKind::Replay => {
                    let new_id = self.replay_run(&src, b.target_region.as_deref());
                    if let Some(r) = self.run_mut(&new_id) {
                        r.bulk_action_ids.push(b.id.clone());
                    }
                    created.push(new_id);
                    success += 1;
                }
            }
        }
        let b = &mut self.bulk_actions.list[i];
        b.success += success;
        b.failure += failure;
        b.new_run_ids.extend(created);
        b.status = "COMPLETED";
        b.completed_ms = Some(now);
        Ok(())
    }
}
