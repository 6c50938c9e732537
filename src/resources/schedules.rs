//! Schedules (cron triggers) of the key's environment, and the timezone list.

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode::{self, Query};
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::pagination::{numbered_pages, OffsetPage, PageIter};
use crate::transport::Call;

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
    /// A window to spread the run over after each tick: `"30m"`, `"2h"` (at most 24 h) or a
    /// share of the interval (`"30%"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
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
            window: None,
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
    /// Sets the window.
    pub fn window(mut self, window: impl Into<String>) -> CreateSchedule {
        self.window = Some(window.into());
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
    /// A window to spread the run over after each tick (see [`CreateSchedule::window`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

impl UpdateSchedule {
    /// `task` on `cron`.
    pub fn new(task: impl Into<String>, cron: impl Into<String>) -> UpdateSchedule {
        UpdateSchedule {
            task: task.into(),
            cron: cron.into(),
            external_id: None,
            timezone: None,
            window: None,
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
    /// Sets the window.
    pub fn window(mut self, window: impl Into<String>) -> UpdateSchedule {
        self.window = Some(window.into());
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
    /// The window runs are spread over.
    #[serde(default)]
    pub window: Option<String>,
    /// The next run, ISO-8601.
    #[serde(default)]
    pub next_run: Option<String>,
    /// When the next run actually starts, ISO-8601: the scheduler spreads ticks a little
    /// after `next_run`. `None` while inactive.
    #[serde(default)]
    pub next_run_effective_at: Option<String>,
    /// Environments the schedule is in.
    #[serde(default)]
    pub environments: Vec<serde_json::Value>,
}

/// `{"timezones": […]}`; the C ABI hands out the list alone, as the server wrote it.
#[derive(Deserialize)]
pub(crate) struct Timezones<T = Vec<String>> {
    pub(crate) timezones: T,
}

/// `{"id": …}` of a deleted schedule.
#[derive(Deserialize)]
pub(crate) struct Deleted {}

/// A lazy iterator over every schedule; see [`Schedules::iter`].
pub type SchedulesIter = PageIter<Schedule, u32>;

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Schedules.
    pub fn schedules(&self) -> Schedules {
        Schedules {
            client: self.clone(),
        }
    }
}

impl Schedules {
    /// Creates a schedule, or updates the one with the same deduplication key.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::CreateSchedule;
    ///
    /// let schedule = client.schedules().create(
    ///     &CreateSchedule::new("nightly-report", "0 2 * * *", "nightly").timezone("Europe/Paris"),
    /// )?;
    /// assert!(schedule.active);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty task, cron or deduplication key;
    /// [`Error::BadRequest`] or [`Error::Unprocessable`] for a cron or timezone the server
    /// refuses; the API errors of [`Error`] otherwise.
    pub fn create(&self, schedule: &CreateSchedule) -> Result<Schedule> {
        self.create_as(schedule)
    }

    pub(crate) fn create_as<T: Decoded<Schedule>>(&self, schedule: &CreateSchedule) -> Result<T> {
        self.client.execute(&calls::create(schedule)?)?.decoded()
    }

    /// One page of schedules (`GET /api/v1/schedules?perPage=&page=`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::ListSchedulesParams;
    ///
    /// let page = client.schedules().list(&ListSchedulesParams { page: Some(1), per_page: Some(10) })?;
    /// assert_eq!(page.pagination.current_page, 1);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for more than 100 per page; the API errors of [`Error`]
    /// otherwise.
    pub fn list(&self, params: &ListSchedulesParams) -> Result<OffsetPage<Schedule>> {
        self.list_as(params)
    }

    pub(crate) fn list_as<T: Decoded<Schedule>>(
        &self,
        params: &ListSchedulesParams,
    ) -> Result<OffsetPage<T>> {
        self.client.execute(&calls::list(params)?)?.decoded()
    }

    /// Every schedule, fetching one page at a time as the iterator advances.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::{CreateSchedule, ListSchedulesParams};
    ///
    /// for key in ["a", "b", "c"] {
    ///     client.schedules().create(&CreateSchedule::new("report", "0 * * * *", key))?;
    /// }
    /// let params = ListSchedulesParams { per_page: Some(2), ..Default::default() };
    /// assert_eq!(client.schedules().iter(&params)?.count(), 3);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The argument errors of [`Schedules::list`] at once; a page that fails to load is the
    /// iterator's last item.
    pub fn iter(&self, params: &ListSchedulesParams) -> Result<SchedulesIter> {
        self.iter_as(params)
    }

    pub(crate) fn iter_as<T: Decoded<Schedule> + Send + 'static>(
        &self,
        params: &ListSchedulesParams,
    ) -> Result<PageIter<T, u32>> {
        calls::list(params)?;
        let client = self.client.clone();
        let params = params.clone();
        let first = params.page.unwrap_or(1);
        Ok(numbered_pages(first, move |number| {
            let mut p = params.clone();
            p.page = number.or(p.page);
            client.execute(&calls::list(&p)?)?.decoded()
        }))
    }

    /// One schedule.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let id = client.schedules().create(&triggerdev::CreateSchedule::new("report", "0 * * * *", "k"))?.id;
    /// let schedule = client.schedules().retrieve(&id)?;
    /// assert_eq!(schedule.generator.expression, "0 * * * *");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn retrieve(&self, schedule_id: &str) -> Result<Schedule> {
        self.retrieve_as(schedule_id)
    }

    pub(crate) fn retrieve_as<T: Decoded<Schedule>>(&self, schedule_id: &str) -> Result<T> {
        self.client
            .execute(&calls::retrieve(schedule_id)?)?
            .decoded()
    }

    /// Replaces a schedule's task, cron, external id, timezone and window.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let id = client.schedules().create(&triggerdev::CreateSchedule::new("report", "0 * * * *", "k"))?.id;
    /// use triggerdev::UpdateSchedule;
    ///
    /// let schedule = client.schedules().update(&id, &UpdateSchedule::new("report", "30 * * * *"))?;
    /// assert_eq!(schedule.generator.expression, "30 * * * *");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Schedules::create`], and [`Error::NotFound`].
    pub fn update(&self, schedule_id: &str, schedule: &UpdateSchedule) -> Result<Schedule> {
        self.update_as(schedule_id, schedule)
    }

    pub(crate) fn update_as<T: Decoded<Schedule>>(
        &self,
        schedule_id: &str,
        schedule: &UpdateSchedule,
    ) -> Result<T> {
        self.client
            .execute(&calls::update(schedule_id, schedule)?)?
            .json()
    }

    /// Turns a schedule on.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let id = client.schedules().create(&triggerdev::CreateSchedule::new("report", "0 * * * *", "k"))?.id;
    /// # client.schedules().deactivate(&id)?;
    /// assert!(client.schedules().activate(&id)?.active);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn activate(&self, schedule_id: &str) -> Result<Schedule> {
        self.activate_as(schedule_id)
    }

    pub(crate) fn activate_as<T: Decoded<Schedule>>(&self, schedule_id: &str) -> Result<T> {
        self.client
            .execute(&calls::activate(schedule_id)?)?
            .decoded()
    }

    /// Turns a schedule off.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let id = client.schedules().create(&triggerdev::CreateSchedule::new("report", "0 * * * *", "k"))?.id;
    /// assert!(!client.schedules().deactivate(&id)?.active);
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn deactivate(&self, schedule_id: &str) -> Result<Schedule> {
        self.deactivate_as(schedule_id)
    }

    pub(crate) fn deactivate_as<T: Decoded<Schedule>>(&self, schedule_id: &str) -> Result<T> {
        self.client
            .execute(&calls::deactivate(schedule_id)?)?
            .json()
    }

    /// Deletes a schedule.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # let id = client.schedules().create(&triggerdev::CreateSchedule::new("report", "0 * * * *", "k"))?.id;
    /// client.schedules().del(&id)?;
    /// assert!(client.schedules().retrieve(&id).is_err());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; the API errors of [`Error`] otherwise.
    pub fn del(&self, schedule_id: &str) -> Result<()> {
        self.del_as::<Deleted>(schedule_id).map(drop)
    }

    pub(crate) fn del_as<T: Decoded<Deleted>>(&self, schedule_id: &str) -> Result<T> {
        self.client.execute(&calls::del(schedule_id)?)?.decoded()
    }

    /// The IANA timezones schedules accept. Needs no credentials.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new().base_url(emulator.base_url()));
    /// let zones = client.schedules().timezones(false)?;
    /// assert!(zones.iter().any(|z| z == "Europe/Paris"));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The transport and API errors of [`Error`].
    pub fn timezones(&self, exclude_utc: bool) -> Result<Vec<String>> {
        Ok(self.timezones_as::<Vec<String>>(exclude_utc)?.timezones)
    }

    pub(crate) fn timezones_as<T: serde::de::DeserializeOwned>(
        &self,
        exclude_utc: bool,
    ) -> Result<Timezones<T>> {
        self.client
            .execute(&calls::timezones(exclude_utc))?
            .decoded()
    }
}

/// Request builders, one per operation.
mod calls {
    use super::*;

    pub(super) fn list(params: &ListSchedulesParams) -> Result<Call> {
        if params.per_page.is_some_and(|n| n > 100) {
            return Err(Error::invalid("params.perPage", "must be at most 100"));
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
        .query(q.into_string(), "params"))
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

    pub(super) fn timezones(exclude_utc: bool) -> Call {
        let call = Call::new(
            "schedules.timezones",
            Method::GET,
            "/api/v1/timezones".to_owned(),
            Access::Public,
        );
        if exclude_utc {
            call.query("excludeUtc=true".to_owned(), "exclude_utc")
        } else {
            call
        }
    }

    pub(super) fn create(schedule: &CreateSchedule) -> Result<Call> {
        require("body.task", &schedule.task)?;
        require("body.cron", &schedule.cron)?;
        require("body.deduplicationKey", &schedule.deduplication_key)?;
        Call::new(
            "schedules.create",
            Method::POST,
            "/api/v1/schedules".to_owned(),
            Access::SecretKey { jwt: false },
        )
        .json(schedule)
    }

    pub(super) fn retrieve(schedule_id: &str) -> Result<Call> {
        id_call("schedules.retrieve", Method::GET, schedule_id, "")
    }

    pub(super) fn update(schedule_id: &str, schedule: &UpdateSchedule) -> Result<Call> {
        require("body.task", &schedule.task)?;
        require("body.cron", &schedule.cron)?;
        id_call("schedules.update", Method::PUT, schedule_id, "")?.json(schedule)
    }

    pub(super) fn activate(schedule_id: &str) -> Result<Call> {
        id_call("schedules.activate", Method::POST, schedule_id, "/activate")
    }

    pub(super) fn deactivate(schedule_id: &str) -> Result<Call> {
        id_call(
            "schedules.deactivate",
            Method::POST,
            schedule_id,
            "/deactivate",
        )
    }

    pub(super) fn del(schedule_id: &str) -> Result<Call> {
        id_call("schedules.del", Method::DELETE, schedule_id, "")
    }
}
