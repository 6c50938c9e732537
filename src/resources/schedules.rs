//! Schedules (cron triggers) of the key's environment, and the timezone list.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::pagination::{OffsetPage, PageIter};
use crate::transport::{Access, Call};

/// Schedule calls. Get one with [`Client::schedules`] or [`crate::schedules`].
#[derive(Clone, Debug)]
pub struct Schedules {
    client: Client,
}

/// Body of [`Schedules::create`]. Creating again with the same `deduplication_key` updates that
/// schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateSchedule {
    /// The task to trigger.
    pub task: String,
    /// A cron expression (5 fields).
    pub cron: String,
    /// Makes creation idempotent: the same key updates the same schedule.
    pub deduplication_key: String,
    /// Your own id for the schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// IANA timezone (UTC when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl CreateSchedule {
    /// A schedule of `task` on `cron`, deduplicated by `deduplication_key`.
    pub fn new(
        task: impl Into<String>,
        cron: impl Into<String>,
        deduplication_key: impl Into<String>,
    ) -> CreateSchedule {
        CreateSchedule {
            task: task.into(),
            cron: cron.into(),
            deduplication_key: deduplication_key.into(),
            external_id: None,
            timezone: None,
        }
    }
    /// Sets the external id.
    pub fn external_id(mut self, id: impl Into<String>) -> CreateSchedule {
        self.external_id = Some(id.into());
        self
    }
    /// Sets the timezone.
    pub fn timezone(mut self, tz: impl Into<String>) -> CreateSchedule {
        self.timezone = Some(tz.into());
        self
    }
}

/// Body of [`Schedules::update`]: `task` and `cron` are required.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct UpdateSchedule {
    /// The task to trigger.
    pub task: String,
    /// A cron expression.
    pub cron: String,
    /// Your own id for the schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// IANA timezone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl UpdateSchedule {
    /// `task` on `cron`.
    pub fn new(task: impl Into<String>, cron: impl Into<String>) -> UpdateSchedule {
        UpdateSchedule {
            task: task.into(),
            cron: cron.into(),
            external_id: None,
            timezone: None,
        }
    }
    /// Sets the external id.
    pub fn external_id(mut self, id: impl Into<String>) -> UpdateSchedule {
        self.external_id = Some(id.into());
        self
    }
    /// Sets the timezone.
    pub fn timezone(mut self, tz: impl Into<String>) -> UpdateSchedule {
        self.timezone = Some(tz.into());
        self
    }
}

/// Paging of [`Schedules::list`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListSchedulesParams {
    /// 1-based page (server default 1).
    pub page: Option<u32>,
    /// Items per page, at most 100 (server default 20).
    pub per_page: Option<u32>,
}

/// How a schedule fires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleGenerator {
    /// Always `CRON` today.
    #[serde(rename = "type")]
    pub kind: String,
    /// The cron expression.
    pub expression: String,
    /// A human description.
    #[serde(default)]
    pub description: String,
}

/// A schedule (`ScheduleObject`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Schedule {
    /// `sched_…`
    pub id: String,
    /// `DECLARATIVE` or `IMPERATIVE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The task.
    pub task: String,
    /// Whether it fires.
    pub active: bool,
    /// The deduplication key.
    #[serde(default)]
    pub deduplication_key: Option<String>,
    /// The external id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The cron generator.
    pub generator: ScheduleGenerator,
    /// IANA timezone.
    #[serde(default)]
    pub timezone: Option<String>,
    /// The next run, ISO-8601.
    #[serde(default)]
    pub next_run: Option<String>,
    /// Environments the schedule is in.
    #[serde(default)]
    pub environments: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Timezones {
    timezones: Vec<String>,
}

/// A lazy iterator over every schedule; see [`Schedules::iter`].
pub type SchedulesIter = PageIter<Schedule, u32>;

impl Schedules {
    pub(crate) fn new(client: Client) -> Schedules {
        Schedules { client }
    }

    /// Creates a schedule, or updates the one with the same deduplication key.
    pub fn create(&self, schedule: &CreateSchedule) -> Result<Schedule> {
        self.client.execute(&calls::create(schedule)?)?.json()
    }

    /// One page of schedules (`GET /api/v1/schedules?perPage=&page=`).
    pub fn list(&self, params: &ListSchedulesParams) -> Result<OffsetPage<Schedule>> {
        self.client.execute(&calls::list(params)?)?.json()
    }

    /// Every schedule, fetching one page at a time as the iterator advances.
    pub fn iter(&self, params: &ListSchedulesParams) -> Result<SchedulesIter> {
        calls::list(params)?;
        let client = self.client.clone();
        let params = params.clone();
        Ok(PageIter::new(move |page: Option<&u32>| {
            let mut p = params.clone();
            if let Some(n) = page {
                p.page = Some(*n);
            }
            let page: OffsetPage<Schedule> = client.execute(&calls::list(&p)?)?.json()?;
            // A server whose pages do not advance would loop forever.
            let requested = u64::from(p.page.unwrap_or(1));
            let current = page.pagination.current_page;
            let next = (page.has_next_page() && current >= requested)
                .then(|| u32::try_from(current + 1).ok())
                .flatten();
            Ok((page.data, next))
        }))
    }

    /// One schedule.
    pub fn retrieve(&self, schedule_id: &str) -> Result<Schedule> {
        self.client.execute(&calls::retrieve(schedule_id)?)?.json()
    }

    /// Replaces a schedule's task, cron, external id and timezone.
    pub fn update(&self, schedule_id: &str, schedule: &UpdateSchedule) -> Result<Schedule> {
        self.client
            .execute(&calls::update(schedule_id, schedule)?)?
            .json()
    }

    /// Turns a schedule on.
    pub fn activate(&self, schedule_id: &str) -> Result<Schedule> {
        self.client.execute(&calls::activate(schedule_id)?)?.json()
    }

    /// Turns a schedule off.
    pub fn deactivate(&self, schedule_id: &str) -> Result<Schedule> {
        self.client
            .execute(&calls::deactivate(schedule_id)?)?
            .json()
    }

    /// Deletes a schedule.
    pub fn del(&self, schedule_id: &str) -> Result<()> {
        let call = calls::del(schedule_id)?;
        self.client
            .execute(&call)?
            .json::<serde_json::Value>()
            .map(drop)
    }

    /// The IANA timezones schedules accept. Needs no credentials.
    pub fn timezones(&self, exclude_utc: bool) -> Result<Vec<String>> {
        let call = calls::timezones(exclude_utc);
        Ok(self.client.execute(&call)?.json::<Timezones>()?.timezones)
    }
}

/// Request builders, one per operation (the C ABI sends them and passes the JSON through).
pub(crate) mod calls {
    use super::*;

    pub(crate) fn list(params: &ListSchedulesParams) -> Result<Call> {
        if params.per_page.is_some_and(|n| n > 100) {
            return Err(Error::invalid("per_page", "must be at most 100"));
        }
        let mut q = Query::default();
        if let Some(n) = params.per_page.filter(|n| *n != 0) {
            q.push("perPage", &n.to_string());
        }
        if let Some(n) = params.page.filter(|n| *n != 0) {
            q.push("page", &n.to_string());
        }
        Ok(Call::new(
            "schedules.list",
            Method::GET,
            "/api/v1/schedules".to_owned(),
            Access::SecretKey { jwt: false },
        )
        .query(q.into_string()))
    }

    fn id_call(
        operation: &'static str,
        method: Method,
        schedule_id: &str,
        suffix: &str,
    ) -> Result<Call> {
        require("schedule_id", schedule_id)?;
        let path = format!(
            "/api/v1/schedules/{}{suffix}",
            encode::path_segment(schedule_id)
        );
        Ok(Call::new(
            operation,
            method,
            path,
            Access::SecretKey { jwt: false },
        ))
    }

    pub(crate) fn timezones(exclude_utc: bool) -> Call {
        let call = Call::new(
            "schedules.timezones",
            Method::GET,
            "/api/v1/timezones".to_owned(),
            Access::Public,
        );
        if exclude_utc {
            call.query("excludeUtc=true".to_owned())
        } else {
            call
        }
    }

    pub(crate) fn create(schedule: &CreateSchedule) -> Result<Call> {
        require("task", &schedule.task)?;
        require("cron", &schedule.cron)?;
        require("deduplication_key", &schedule.deduplication_key)?;
        Call::new(
            "schedules.create",
            Method::POST,
            "/api/v1/schedules".to_owned(),
            Access::SecretKey { jwt: false },
        )
        .json(schedule)
    }

    pub(crate) fn retrieve(schedule_id: &str) -> Result<Call> {
        id_call("schedules.retrieve", Method::GET, schedule_id, "")
    }

    pub(crate) fn update(schedule_id: &str, schedule: &UpdateSchedule) -> Result<Call> {
        require("task", &schedule.task)?;
        require("cron", &schedule.cron)?;
        id_call("schedules.update", Method::PUT, schedule_id, "")?.json(schedule)
    }

    pub(crate) fn activate(schedule_id: &str) -> Result<Call> {
        id_call("schedules.activate", Method::POST, schedule_id, "/activate")
    }

    pub(crate) fn deactivate(schedule_id: &str) -> Result<Call> {
        id_call(
            "schedules.deactivate",
            Method::POST,
            schedule_id,
            "/deactivate",
        )
    }

    pub(crate) fn del(schedule_id: &str) -> Result<Call> {
        id_call("schedules.del", Method::DELETE, schedule_id, "")
    }
}
