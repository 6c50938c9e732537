//! Naming an env in the admin API and the `Emulator` methods: an env id, or a root env slug.

use crate::rules::error::ControlError;
use crate::state::State;

impl State {
    /// Resolves an env id, or a root env slug of the first project (`dev`, `stg`, …).
    pub fn resolve_env(&self, env: Option<&str>) -> Result<String, ControlError> {
        let want = env.unwrap_or("dev");
        if self.env(want).is_some() {
            return Ok(want.to_string());
        }
        let project = self.seed.project_ref();
        self.envs
            .iter()
            .find(|e| e.project_ref == project && e.parent.is_none() && e.slug == want)
            .map(|e| e.id.clone())
            .ok_or_else(|| ControlError::Invalid(format!("No env {want}")))
    }
}
