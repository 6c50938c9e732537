//! Deployments the test adds (what a deploy would make).

use serde_json::json;

use crate::model::deployments::{Deployment, NewDeployment, DEPLOYMENT_STATUSES};
use crate::rules::error::ControlError;
use crate::state::State;
use crate::util::{hashed, hashed_hex, iso, random_id};

impl State {
    /// Adds a deployment (admin); returns its id.
    pub fn add_deployment(&mut self, d: NewDeployment) -> Result<String, ControlError> {
        if self.env(&d.env_id).is_none() {
            return Err(ControlError::Invalid(format!("No env {}", d.env_id)));
        }
        let status = d.status.unwrap_or_else(|| "DEPLOYED".into());
        if !DEPLOYMENT_STATUSES.contains(&status.as_str()) {
            return Err(ControlError::Invalid(format!(
                "status must be one of {}",
                DEPLOYMENT_STATUSES.join(", ")
            )));
        }
        self.deployments.seed_env(&d.env_id);
        let now = self.now_ms();
        let created = d.created_ms.unwrap_or(now);
        let version = match d.version {
            Some(v) => v,
            None => {
                // `YYYYMMDD.N`, one more than the env's newest version of that day.
                let day = iso(created)[..10].replace('-', "");
                let n = self
                    .deployments
                    .list
                    .iter()
                    .filter(|x| x.env_id == d.env_id)
                    .filter_map(|x| x.version.strip_prefix(&format!("{day}.")))
                    .filter_map(|n| n.parse::<u64>().ok())
                    .max()
                    .unwrap_or(0);
                format!("{day}.{}", n + 1)
            }
        };
        if self
            .deployments
            .list
            .iter()
            .any(|x| x.env_id == d.env_id && x.version == version)
        {
            return Err(ControlError::Invalid(format!(
                "Version {version} already exists in this env"
            )));
        }
        let seq = self.deployments.next_seq();
        let id = random_id("deployment_");
        let deployed = status == "DEPLOYED";
        let env_id = d.env_id.clone();
        self.deployments.list.push(Deployment {
            id: id.clone(),
            env_id: d.env_id,
            seq,
            short_code: hashed(&["shortCode", &id], 8),
            content_hash: hashed_hex(&["content", &id], 32),
            version,
            created_ms: created,
            deployed_ms: deployed.then_some(created),
            runtime: Some(d.runtime.unwrap_or_else(|| "node".into())),
            runtime_version: Some("22.12.0".into()),
            git: d.git,
            error: d.error.or_else(|| {
                (status == "FAILED").then(|| json!({"name": "Error", "message": "Build failed"}))
            }),
            worker_id: deployed.then(|| format!("worker_{}", hashed(&["worker", &id], 25))),
            tasks: d.tasks,
            status,
        });
        if d.promote {
            if !deployed {
                return Err(ControlError::Invalid(
                    "Only a DEPLOYED deployment can be current".into(),
                ));
            }
            self.deployments.set_current(&env_id, &id);
        }
        Ok(id)
    }
}
