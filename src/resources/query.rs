//! Query (TRQL over the runs data) and query dashboards: `execute`, the query schema, and
//! listing, retrieving, creating, updating and deleting dashboards (not yet `replace` or the
//! widget calls).
//!
//! Result rows are arbitrary JSON objects (their columns depend on the query), so they are
//! handed out as `serde_json` maps; CSV results are text.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode;
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::transport::Call;

/// Query calls. Get one with [`Client::query`] or [`crate::query`].
#[derive(Clone, Debug)]
pub struct Queries {
    client: Client,
}

/// Query dashboards. Get one with [`Queries::dashboards`].
#[derive(Clone, Debug)]
pub struct Dashboards {
    client: Client,
}

/// Which runs a query reads: the key's environment (the default), its project, or its
/// organization.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryScope {
    /// The key's environment.
    #[default]
    Environment,
    /// Every environment of the key's project.
    Project,
    /// Every project of the key's organization.
    Organization,
}

/// How results come back: JSON rows (the default) or CSV text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryFormat {
    /// An array of row objects.
    #[default]
    Json,
    /// CSV text with a header line.
    Csv,
}

/// Options of [`Queries::execute`]. From JSON:
/// `{"scope":"project","period":"7d","from":"2026-01-01T00:00:00Z","to":"…","format":"csv"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct QueryOptions {
    /// Which runs are read (default: the environment).
    pub scope: Option<QueryScope>,
    /// A time window back from now, such as `"7d"` (instead of `from`/`to`).
    pub period: Option<String>,
    /// The window's start, ISO-8601.
    pub from: Option<String>,
    /// The window's end, ISO-8601.
    pub to: Option<String>,
    /// JSON rows (the default) or CSV text.
    pub format: Option<QueryFormat>,
}

impl QueryOptions {
    /// The defaults: the environment, JSON rows, no time window.
    pub fn new() -> QueryOptions {
        QueryOptions::default()
    }

    /// Which runs are read.
    pub fn scope(mut self, scope: QueryScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// A time window back from now, such as `"7d"`.
    pub fn period(mut self, period: impl Into<String>) -> Self {
        self.period = Some(period.into());
        self
    }

    /// The window's start, ISO-8601.
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// The window's end, ISO-8601.
    pub fn to(mut self, to: impl Into<String>) -> Self {
        self.to = Some(to.into());
        self
    }

    /// JSON rows or CSV text.
    pub fn format(mut self, format: QueryFormat) -> Self {
        self.format = Some(format);
        self
    }
}

/// The request body, in the official SDK's key order.
#[derive(Serialize)]
struct ExecuteBody<'a> {
    query: &'a str,
    scope: QueryScope,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a str>,
    format: QueryFormat,
}

/// What a query returned: rows, or CSV text (`{"format":"json","results":[…]}` or
/// `{"format":"csv","results":"…"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format", content = "results", rename_all = "lowercase")]
pub enum QueryResults {
    /// One JSON object per row.
    Json(Vec<Map<String, Value>>),
    /// CSV text.
    Csv(String),
}

impl QueryResults {
    /// The rows of a JSON result (`None` for CSV).
    pub fn rows(&self) -> Option<&[Map<String, Value>]> {
        match self {
            QueryResults::Json(rows) => Some(rows),
            QueryResults::Csv(_) => None,
        }
    }

    /// The text of a CSV result (`None` for JSON).
    pub fn csv(&self) -> Option<&str> {
        match self {
            QueryResults::Csv(text) => Some(text),
            QueryResults::Json(_) => None,
        }
    }
}

/// The tables a query can read (`GET /api/v1/query/schema`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuerySchema {
    /// The tables.
    pub tables: Vec<QueryTable>,
}

/// One table of the [`QuerySchema`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QueryTable {
    /// The name queries use (`runs`).
    pub name: String,
    /// What it holds.
    pub description: Option<String>,
    /// The column time windows apply to.
    pub time_column: Option<String>,
    /// The columns.
    pub columns: Vec<QueryColumn>,
}

/// One column of a [`QueryTable`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QueryColumn {
    /// The name queries use.
    pub name: String,
    /// Its type, as the server names it (`String`, `DateTime64`, …).
    #[serde(rename = "type")]
    pub column_type: String,
    /// What it holds.
    pub description: Option<String>,
    /// An example value.
    pub example: Option<Value>,
    /// The values it can take, when it is an enumeration.
    pub allowed_values: Option<Vec<Value>>,
    /// Whether it is one of the table's main columns.
    pub core_column: Option<bool>,
}

/// A dashboard as listed: built in or custom, with its widgets in brief.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DashboardSummary {
    /// The key [`Dashboards::retrieve`] takes.
    pub key: String,
    /// Its title.
    pub title: String,
    /// `builtIn` or `custom`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// What it shows.
    pub description: Option<String>,
    /// Its widgets: `{id, title, query, type}` each.
    #[serde(default)]
    pub widgets: Vec<Value>,
}

#[derive(Deserialize, Serialize)]
pub(crate) struct DashboardList {
    pub(crate) dashboards: Vec<DashboardSummary>,
}

/// A dashboard with its widgets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Dashboard {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it shows.
    pub description: Option<String>,
    /// The revision a write must name to change it (optimistic concurrency).
    pub revision: Option<Value>,
    /// When it was created, ISO-8601.
    pub created_at: Option<String>,
    /// When it last changed, ISO-8601.
    pub updated_at: Option<String>,
    /// Its widgets: `{id, title, query, display, fillGaps?, position:{x,y,w,h}}` each, as the
    /// server sent them.
    #[serde(default)]
    pub widgets: Vec<Value>,
}

/// A new dashboard ([`Dashboards::create`]). From JSON:
/// `{"title":"Runs","description":"…","widgets":[…]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateDashboard {
    /// Its title (required).
    pub title: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its widgets, as the server takes them (`{id?, title, query, display, position?}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widgets: Option<Vec<Value>>,
}

impl CreateDashboard {
    /// A dashboard titled `title`, without widgets.
    pub fn new(title: impl Into<String>) -> CreateDashboard {
        CreateDashboard {
            title: title.into(),
            ..Default::default()
        }
    }
}

/// Changes to a dashboard's title and description ([`Dashboards::update`]). `revision` is the
/// one the change was made against: the server refuses it when the dashboard changed since.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct UpdateDashboard {
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The revision the change was made against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

impl UpdateDashboard {
    /// No change yet.
    pub fn new() -> UpdateDashboard {
        UpdateDashboard::default()
    }

    /// A new title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The revision the change was made against.
    pub fn revision(mut self, revision: impl Into<String>) -> Self {
        self.revision = Some(revision.into());
        self
    }
}

/// What [`Dashboards::del`] answers: the deleted dashboard's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeletedDashboard {
    /// Its id.
    pub id: String,
}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Query and query dashboards.
    pub fn query(&self) -> Queries {
        Queries {
            client: self.clone(),
        }
    }
}

fn call(operation: &'static str, method: Method, path: String) -> Call {
    Call::new(operation, method, path, Access::SecretKey { jwt: false })
}

impl Queries {
    /// Runs a query (`POST /api/v1/query`, body `{"query","scope","period"?,"from"?,"to"?,
    /// "format"}` in that order; scope and format are always sent).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let results = client.query().execute("SELECT count() FROM runs", &Default::default())?;
    /// assert_eq!(results.rows().unwrap()[0]["count"], 0);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty query or empty `period`/`from`/`to`; the API
    /// errors of [`Error`] otherwise (a query the server cannot run is a 400).
    pub fn execute(&self, query: &str, options: &QueryOptions) -> Result<QueryResults> {
        self.execute_as(query, options)
    }

    pub(crate) fn execute_as<T: Decoded<QueryResults>>(
        &self,
        query: &str,
        options: &QueryOptions,
    ) -> Result<T> {
        if query.trim().is_empty() {
            return Err(Error::invalid("query", "must not be empty"));
        }
        for (argument, value) in [
            ("options.period", &options.period),
            ("options.from", &options.from),
            ("options.to", &options.to),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::invalid(argument, "must not be empty"));
            }
        }
        let body = ExecuteBody {
            query,
            scope: options.scope.unwrap_or_default(),
            period: options.period.as_deref(),
            from: options.from.as_deref(),
            to: options.to.as_deref(),
            format: options.format.unwrap_or_default(),
        };
        let call = call("query.execute", Method::POST, "/api/v1/query".into()).json(&body)?;
        self.client.execute(&call)?.decoded()
    }

    /// The tables and columns queries can read (`GET /api/v1/query/schema`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// let schema = client.query().schema()?;
    /// assert_eq!(schema.tables[0].name, "runs");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The API errors of [`Error`].
    pub fn schema(&self) -> Result<QuerySchema> {
        self.schema_as()
    }

    pub(crate) fn schema_as<T: Decoded<QuerySchema>>(&self) -> Result<T> {
        let call = call("query.schema", Method::GET, "/api/v1/query/schema".into());
        self.client.execute(&call)?.decoded()
    }

    /// Query dashboards.
    pub fn dashboards(&self) -> Dashboards {
        Dashboards {
            client: self.client.clone(),
        }
    }
}

impl Dashboards {
    /// Every dashboard, built in and custom (`GET /api/v1/query/dashboards`).
    ///
    /// # Errors
    ///
    /// The API errors of [`Error`].
    pub fn list(&self) -> Result<Vec<DashboardSummary>> {
        Ok(self.list_raw::<DashboardList>()?.dashboards)
    }

    pub(crate) fn list_raw<T: Decoded<DashboardList>>(&self) -> Result<T> {
        let call = call(
            "query.dashboards.list",
            Method::GET,
            "/api/v1/query/dashboards".into(),
        );
        self.client.execute(&call)?.decoded()
    }

    /// One dashboard (`GET /api/v1/query/dashboards/{id}`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id; [`Error::NotFound`]; the API errors of
    /// [`Error`] otherwise.
    pub fn retrieve(&self, id: &str) -> Result<Dashboard> {
        self.retrieve_as(id)
    }

    pub(crate) fn retrieve_as<T: Decoded<Dashboard>>(&self, id: &str) -> Result<T> {
        let call = call(
            "query.dashboards.retrieve",
            Method::GET,
            dashboard_path(id)?,
        );
        self.client.execute(&call)?.decoded()
    }

    /// Makes a custom dashboard (`POST /api/v1/query/dashboards`, body as given:
    /// `{"title","description"?,"widgets"?}`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty title; the API errors of [`Error`] otherwise.
    pub fn create(&self, dashboard: &CreateDashboard) -> Result<Dashboard> {
        self.create_as(dashboard)
    }

    pub(crate) fn create_as<T: Decoded<Dashboard>>(
        &self,
        dashboard: &CreateDashboard,
    ) -> Result<T> {
        if dashboard.title.trim().is_empty() {
            return Err(Error::invalid("dashboard.title", "must not be empty"));
        }
        let call = call(
            "query.dashboards.create",
            Method::POST,
            "/api/v1/query/dashboards".into(),
        )
        .json(dashboard)?;
        self.client.execute(&call)?.decoded()
    }

    /// Changes a dashboard's title or description (`PATCH /api/v1/query/dashboards/{id}`,
    /// body as given: `{"title"?,"description"?,"revision"?}`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty id; [`Error::NotFound`]; [`Error::Conflict`]
    /// when `revision` is not the current one (the emulator's answer; the server's is not
    /// recorded); the API errors of [`Error`] otherwise.
    pub fn update(&self, id: &str, changes: &UpdateDashboard) -> Result<Dashboard> {
        self.update_as(id, changes)
    }

    pub(crate) fn update_as<T: Decoded<Dashboard>>(
        &self,
        id: &str,
        changes: &UpdateDashboard,
    ) -> Result<T> {
        let call = call(
            "query.dashboards.update",
            Method::PATCH,
            dashboard_path(id)?,
        )
        .json(changes)?;
        self.client.execute(&call)?.decoded()
    }

    /// Deletes a custom dashboard (`DELETE /api/v1/query/dashboards/{id}`).
    ///
    /// # Errors
    ///
    /// As [`Dashboards::retrieve`].
    pub fn del(&self, id: &str) -> Result<DeletedDashboard> {
        self.del_as(id)
    }

    pub(crate) fn del_as<T: Decoded<DeletedDashboard>>(&self, id: &str) -> Result<T> {
        let call = call("query.dashboards.del", Method::DELETE, dashboard_path(id)?);
        self.client.execute(&call)?.decoded()
    }
}

/// `/api/v1/query/dashboards/{id}`, the id encoded as one segment.
fn dashboard_path(id: &str) -> Result<String> {
    require("id", id)?;
    Ok(format!(
        "/api/v1/query/dashboards/{}",
        encode::path_segment(id)
    ))
}
