//! `POST /api/v1/query` and `GET /api/v1/query/schema`.
//!
//! The emulator cannot run TRQL. It answers a small fixed grammar over its runs, case-insensitive
//! and whitespace-free of meaning:
//!
//! - `SELECT count() FROM runs` → one row `{"count": n}`;
//! - `SELECT <columns> FROM runs [LIMIT n]`, `<columns>` being `*` or a comma list of the schema's
//!   columns (`run_id`, `task_identifier`, `status`, `created_at`), newest run first.
//!
//! `scope` picks the runs (`environment`: the key's env; `project`: every env of its project;
//! `organization`: every run); `period` (a duration such as `7d`), `from` and `to` (ISO-8601)
//! bound `created_at`. Anything else is a 400 `{"error": "…"}`. `format: csv` answers the same
//! rows as CSV text with a header line.

use serde_json::{json, Map, Value};

use crate::auth::error;
use crate::http::HttpResponse;
use crate::model::runs::{Run, KNOWN_STATUSES};
use crate::route::{ok, Ctx, R};
use crate::util::{iso, parse_duration_ms, parse_iso};

/// The runs table's columns, in `*` order: name, type, description.
const COLUMNS: [(&str, &str, &str); 4] = [
    ("run_id", "String", "The run's id (run_…)"),
    ("task_identifier", "String", "The task that ran"),
    ("status", "String", "The run's status"),
    ("created_at", "DateTime64", "When the run was created"),
];

fn bad(message: &str) -> HttpResponse {
    error(400, message)
}

/// What a query asks for.
enum Select {
    Count,
    Columns(Vec<&'static str>, Option<usize>),
}

fn parse(sql: &str) -> Result<Select, HttpResponse> {
    let spaced = sql.replace(',', " , ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let unsupported = || bad(&format!("The emulator does not support this query: {sql}"));
    if lower.first().map(String::as_str) != Some("select") {
        return Err(unsupported());
    }
    let from = lower
        .iter()
        .position(|w| w == "from")
        .ok_or_else(unsupported)?;
    if lower.get(from + 1).map(String::as_str) != Some("runs") {
        let table = words.get(from + 1).copied().unwrap_or("");
        return Err(bad(&format!("Unknown table: {table}")));
    }
    let rest = &lower[from + 2..];
    let limit = match rest {
        [] => None,
        [l, n] if l == "limit" => Some(n.parse::<usize>().map_err(|_| unsupported())?),
        _ => return Err(unsupported()),
    };
    let selected: Vec<&str> = lower[1..from].iter().map(String::as_str).collect();
    if selected == ["count()"] && limit.is_none() {
        return Ok(Select::Count);
    }
    if selected == ["*"] {
        return Ok(Select::Columns(
            COLUMNS.iter().map(|c| c.0).collect(),
            limit,
        ));
    }
    let mut columns = Vec::new();
    for (i, word) in selected.iter().enumerate() {
        if i % 2 == 1 {
            if *word != "," {
                return Err(unsupported());
            }
            continue;
        }
        let column = COLUMNS
            .iter()
            .find(|c| c.0 == *word)
            .ok_or_else(|| bad(&format!("Unknown column: {word}")))?;
        columns.push(column.0);
    }
    if columns.is_empty() || selected.len().is_multiple_of(2) {
        return Err(unsupported());
    }
    Ok(Select::Columns(columns, limit))
}

fn cell(r: &Run, column: &str) -> Value {
    match column {
        "run_id" => json!(r.id),
        "task_identifier" => json!(r.task),
        "status" => json!(r.status),
        _ => json!(iso(r.created_ms)),
    }
}

fn csv_field(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn text_field<'a>(
    body: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, HttpResponse> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(&format!(
            "Validation error: Expected string at \"{key}\""
        ))),
    }
}

/// `POST /api/v1/query`.
pub fn execute(c: &mut Ctx) -> R {
    let body = c.body_object()?;
    let sql = text_field(&body, "query")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("Validation error: Required at \"query\""))?;
    let scope = text_field(&body, "scope")?.unwrap_or("environment");
    let format = text_field(&body, "format")?.unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(bad("Validation error: Invalid enum value at \"format\""));
    }
    let mut after = i64::MIN;
    let mut before = i64::MAX;
    if let Some(p) = text_field(&body, "period")? {
        let ms = parse_duration_ms(p).ok_or_else(|| bad(&format!("Invalid period: {p}")))?;
        after = c.now - ms;
    }
    for (key, bound) in [("from", &mut after), ("to", &mut before)] {
        if let Some(t) = text_field(&body, key)? {
            *bound = parse_iso(t).ok_or_else(|| bad(&format!("Invalid date at \"{key}\"")))?;
        }
    }
    let select = parse(sql)?;
    let env_id = c.env_id();
    let project = c.st.env(&env_id).map(|e| e.project_ref.clone());
    let in_scope = |r: &Run| match scope {
        "project" => c.st.env(&r.env_id).map(|e| e.project_ref.clone()) == project,
        "organization" => true,
        _ => r.env_id == env_id,
    };
    if !matches!(scope, "environment" | "project" | "organization") {
        return Err(bad("Validation error: Invalid enum value at \"scope\""));
    }
    let runs: Vec<&Run> =
        c.st.runs
            .iter()
            .rev()
            .filter(|r| in_scope(r) && r.created_ms >= after && r.created_ms <= before)
            .collect();
    let (columns, rows): (Vec<&str>, Vec<Vec<Value>>) = match select {
        Select::Count => (vec!["count"], vec![vec![json!(runs.len())]]),
        Select::Columns(columns, limit) => {
            let rows = runs
                .iter()
                .take(limit.unwrap_or(usize::MAX))
                .map(|r| columns.iter().map(|col| cell(r, col)).collect())
                .collect();
            (columns, rows)
        }
    };
    if format == "csv" {
        let mut text = columns.join(",") + "\n";
        for row in &rows {
            let fields: Vec<String> = row.iter().map(csv_field).collect();
            text += &(fields.join(",") + "\n");
        }
        return ok(json!({"format": "csv", "results": text}));
    }
    let results: Vec<Value> = rows
        .into_iter()
        .map(|row| Value::Object(columns.iter().map(|c| c.to_string()).zip(row).collect()))
        .collect();
    ok(json!({"format": "json", "results": results}))
}

/// `GET /api/v1/query/schema`: the runs table the grammar above reads.
pub fn schema(_c: &mut Ctx) -> R {
    let columns: Vec<Value> = COLUMNS
        .iter()
        .map(|(name, kind, description)| {
            let mut col =
                json!({"name": name, "type": kind, "description": description, "coreColumn": true});
            if *name == "status" {
                col["allowedValues"] = json!(KNOWN_STATUSES);
                col["example"] = json!("COMPLETED");
            }
            col
        })
        .collect();
    ok(json!({"tables": [{
        "name": "runs",
        "description": "Task runs",
        "timeColumn": "created_at",
        "columns": columns,
    }]}))
}
