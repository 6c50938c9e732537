//! Deployments as the API shows them (list/current, retrieve, latest).

use serde_json::{json, Map, Value};

use super::put;
use crate::model::deployments::Deployment;
use crate::util::{hashed_hex, iso};

/// The list / current shape (`ApiDeploymentListResponseItem`). As on the server, `deployedAt`
/// and `git` are null when unknown; `error` is only there for failed deployments.
pub fn deployment_json(d: &Deployment) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(d.id));
    m.insert("createdAt".into(), json!(iso(d.created_ms)));
    m.insert("shortCode".into(), json!(d.short_code));
    m.insert("version".into(), json!(d.version));
    m.insert("runtime".into(), json!(d.runtime));
    m.insert("runtimeVersion".into(), json!(d.runtime_version));
    m.insert("status".into(), json!(d.status));
    m.insert("deployedAt".into(), json!(d.deployed_ms.map(iso)));
    m.insert("git".into(), d.git.clone().unwrap_or(Value::Null));
    put(&mut m, "error", d.error.clone());
    Value::Object(m)
}

/// `GET /api/v1/deployments/{id}` shape.
pub fn deployment_detail_json(d: &Deployment) -> Value {
    let mut v = json!({
        "id": d.id,
        "status": d.status,
        "contentHash": d.content_hash,
        "shortCode": d.short_code,
        "version": d.version,
        // Only a built deployment (one with a worker) has an image.
        "imageReference": d.worker_id.as_ref().map(|_| format!("registry.emulator.local/{}:{}", d.env_id, d.version)),
        "imagePlatform": "linux/amd64",
        "commitSHA": d.git.as_ref().and_then(|g| g.get("commitSha")).cloned().unwrap_or(Value::Null),
        "externalBuildData": null,
        "errorData": d.error,
        "canceledReason": null,
    });
    if let Some(w) = &d.worker_id {
        v["worker"] = json!({
            "id": w,
            "version": d.version,
            "tasks": d.tasks.iter().map(|t| json!({
                "id": format!("task_{}", hashed_hex(&[&d.id, t], 20)),
                "slug": t,
                "filePath": format!("src/trigger/{t}.ts"),
                "exportName": t,
            })).collect::<Vec<_>>(),
        });
    }
    v
}

/// `GET /api/v1/deployments/latest` shape.
pub fn deployment_latest_json(d: &Deployment) -> Value {
    let full = deployment_detail_json(d);
    let mut m = Map::new();
    for k in [
        "id",
        "status",
        "contentHash",
        "shortCode",
        "version",
        "imageReference",
        "errorData",
    ] {
        m.insert(k.into(), full[k].clone());
    }
    Value::Object(m)
}
