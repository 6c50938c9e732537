//! Environment variables of a project's environment (`/api/v1/projects/{ref}/envvars/{env}`).
//!
//! Secret keys, personal access tokens and organization access tokens are all accepted. On the
//! `preview` environment, the preview branch selects the branch's variables.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ureq::http::Method;

use super::require;
use crate::client::Client;
use crate::credentials::Access;
use crate::encode;
use crate::error::{Error, Result};
use crate::json::Decoded;
use crate::shown::Shown;
use crate::token_kind::EnvKind;
use crate::transport::Call;

/// Envvar calls. Get one with [`Client::envvars`] or [`crate::envvars`].
#[derive(Clone, Debug)]
pub struct EnvVars {
    client: Client,
}

/// An environment slug as the envvars routes take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnvSlug {
    /// `dev`
    Dev,
    /// `staging`
    Staging,
    /// `prod`
    Prod,
    /// `preview`
    Preview,
}

impl EnvSlug {
    /// The slug in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvSlug::Dev => "dev",
            EnvSlug::Staging => "staging",
            EnvSlug::Prod => "prod",
            EnvSlug::Preview => "preview",
        }
    }
}

impl FromStr for EnvSlug {
    type Err = Error;
    fn from_str(s: &str) -> Result<EnvSlug> {
        match s {
            "dev" => Ok(EnvSlug::Dev),
            "staging" => Ok(EnvSlug::Staging),
            "prod" => Ok(EnvSlug::Prod),
            "preview" => Ok(EnvSlug::Preview),
            other => Err(Error::invalid(
                "env",
                format!("{} is not one of dev, staging, prod, preview", Shown(other)),
            )),
        }
    }
}

impl TryFrom<&str> for EnvSlug {
    type Error = Error;
    fn try_from(s: &str) -> Result<EnvSlug> {
        s.parse()
    }
}

/// An environment variable. Secret values come back redacted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// Whether the value is secret.
    #[serde(default)]
    pub is_secret: bool,
}

impl std::fmt::Debug for EnvVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvVar")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .field("is_secret", &self.is_secret)
            .finish()
    }
}

/// Body of [`EnvVars::create`]. Creating an existing name overwrites it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateEnvVar {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// Store as a secret (false when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_secret: Option<bool>,
}

impl std::fmt::Debug for CreateEnvVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateEnvVar")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .field("is_secret", &self.is_secret)
            .finish()
    }
}

impl CreateEnvVar {
    /// A variable `name=value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> CreateEnvVar {
        CreateEnvVar {
            name: name.into(),
            value: value.into(),
            is_secret: None,
        }
    }
    /// Marks it secret.
    pub fn secret(mut self, is_secret: bool) -> CreateEnvVar {
        self.is_secret = Some(is_secret);
        self
    }
}

/// Body of [`EnvVars::upload`]: many variables at once, in the given order.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportEnvVars {
    /// The variables.
    #[serde(default, with = "ordered_map")]
    pub variables: Vec<(String, String)>,
    /// Variables for the parent environment of a preview branch (`parentVariables`).
    #[serde(default, with = "ordered_map", skip_serializing_if = "Vec::is_empty")]
    pub parent_variables: Vec<(String, String)>,
    /// Store them as secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_secret: Option<bool>,
    /// Overwrite existing variables (the server keeps them when absent or false).
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub override_existing: Option<bool>,
}

impl std::fmt::Debug for ImportEnvVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.variables.iter().map(|(k, _)| k.as_str()).collect();
        let parents: Vec<&str> = self
            .parent_variables
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        f.debug_struct("ImportEnvVars")
            .field("variables", &names)
            .field("parent_variables", &parents)
            .field("override", &self.override_existing)
            .field("is_secret", &self.is_secret)
            .finish()
    }
}

impl ImportEnvVars {
    /// An upload of `variables`.
    pub fn new<K: Into<String>, V: Into<String>>(
        variables: impl IntoIterator<Item = (K, V)>,
    ) -> ImportEnvVars {
        ImportEnvVars {
            variables: variables
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            override_existing: None,
            is_secret: None,
            parent_variables: Vec::new(),
        }
    }

    /// The variables of a `.env` file (see [`parse_dotenv`]).
    pub fn from_dotenv(text: &str) -> Result<ImportEnvVars> {
        Ok(ImportEnvVars::new(parse_dotenv(text)?))
    }

    /// Sets `override`.
    pub fn override_existing(mut self, yes: bool) -> ImportEnvVars {
        self.override_existing = Some(yes);
        self
    }

    /// Sets `isSecret`.
    pub fn secret(mut self, yes: bool) -> ImportEnvVars {
        self.is_secret = Some(yes);
        self
    }

    /// Sets `parentVariables`: variables for a preview branch's parent environment.
    pub fn parent_variables<K: Into<String>, V: Into<String>>(
        mut self,
        variables: impl IntoIterator<Item = (K, V)>,
    ) -> ImportEnvVars {
        self.parent_variables = variables
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }
}

/// `Vec<(K, V)>` as a JSON object, keeping the order.
mod ordered_map {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(v.len()))?;
        for (k, val) in v {
            map.serialize_entry(k, val)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses a `.env` file: `KEY=value` lines, `#` comments, blank lines, an optional `export `
/// prefix, single- or double-quoted values (double quotes understand `\n`, `\"`, `\\`), and
/// `#` comments after unquoted values. Errors name the line.
///
/// ```
/// let vars = triggerdev::parse_dotenv("# db\nexport DATABASE_URL=postgres://x\nNAME=\"Ada L.\"\n")?;
/// assert_eq!(vars, [("DATABASE_URL".into(), "postgres://x".into()), ("NAME".into(), "Ada L.".into())]);
/// # Ok::<(), triggerdev::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] (argument `text`) naming the first line that is not `KEY=value`,
/// an invalid name, or an unterminated quote.
pub fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            return Err(dotenv_error(line_no, "expected KEY=value"));
        };
        let key = key.trim();
        let valid_key = !key.is_empty()
            && !key.starts_with(|c: char| c.is_ascii_digit())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
        if !valid_key {
            return Err(dotenv_error(
                line_no,
                &format!("`{key}` is not a variable name"),
            ));
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                // A quoted value may span lines until its closing quote.
                let mut buf = rest[1..].to_owned();
                let close = loop {
                    if let Some(pos) = find_closing(&buf, q) {
                        break pos;
                    }
                    match lines.next() {
                        Some((_, next)) => {
                            buf.push('\n');
                            buf.push_str(next);
                        }
                        None => return Err(dotenv_error(line_no, "unterminated quoted value")),
                    }
                };
                let trailing = buf[close + 1..].trim();
                if !trailing.is_empty() && !trailing.starts_with('#') {
                    return Err(dotenv_error(
                        line_no,
                        "unexpected text after the closing quote",
                    ));
                }
                let inner = &buf[..close];
                if q == '"' {
                    unescape(inner)
                } else {
                    inner.to_owned()
                }
            }
            _ => match rest.find(" #") {
                Some(pos) => rest[..pos].trim_end().to_owned(),
                None => rest.trim_end().to_owned(),
            },
        };
        out.retain(|(k, _)| k != key);
        out.push((key.to_owned(), value));
    }
    Ok(out)
}

fn find_closing(s: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if quote == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == quote && !escaped {
            return Some(i);
        }
        escaped = false;
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn dotenv_error(line: usize, reason: &str) -> Error {
    Error::invalid("text", format!("line {line}: {reason}"))
}

/// `{"success": true}`.
#[derive(Deserialize)]
pub(crate) struct Success {}

// Defined here rather than in `client.rs`, so that `client` depends on no resource.
impl Client {
    /// Environment variables.
    pub fn envvars(&self) -> EnvVars {
        EnvVars {
            client: self.clone(),
        }
    }
}

impl EnvVars {
    /// Every variable of the environment (`GET …/envvars/{env}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::CreateEnvVar;
    ///
    /// client.envvars().create("proj_emulator", "dev", &CreateEnvVar::new("REGION", "eu"))?;
    /// let vars = client.envvars().list("proj_emulator", "dev")?;
    /// assert_eq!((vars[0].name.as_str(), vars[0].value.as_str()), ("REGION", "eu"));
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty project ref or an unknown `env` (`dev`,
    /// `staging`, `prod`, `preview`); the API errors of [`Error`] otherwise.
    pub fn list(&self, project_ref: &str, env: &str) -> Result<Vec<EnvVar>> {
        self.list_as(project_ref, env)
    }

    pub(crate) fn list_as<T: Decoded<EnvVar>>(
        &self,
        project_ref: &str,
        env: &str,
    ) -> Result<Vec<T>> {
        self.client
            .execute(&calls::list(project_ref, env)?)?
            .decoded()
    }

    /// One variable (`GET …/envvars/{env}/{name}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.envvars().create("proj_emulator", "dev", &triggerdev::CreateEnvVar::new("REGION", "eu"))?;
    /// let var = client.envvars().retrieve("proj_emulator", "dev", "REGION")?;
    /// assert_eq!(var.value, "eu");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`EnvVars::list`], and [`Error::NotFound`] for an unknown name.
    pub fn retrieve(&self, project_ref: &str, env: &str, name: &str) -> Result<EnvVar> {
        self.retrieve_as(project_ref, env, name)
    }

    pub(crate) fn retrieve_as<T: Decoded<EnvVar>>(
        &self,
        project_ref: &str,
        env: &str,
        name: &str,
    ) -> Result<T> {
        self.client
            .execute(&calls::retrieve(project_ref, env, name)?)?
            .json()
    }

    /// Creates (or overwrites) a variable (`POST …/envvars/{env}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::CreateEnvVar;
    ///
    /// client.envvars().create("proj_emulator", "dev", &CreateEnvVar::new("API_KEY", "s3cret").secret(true))?;
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`EnvVars::list`], and [`Error::InvalidArgument`] for an empty name.
    pub fn create(&self, project_ref: &str, env: &str, var: &CreateEnvVar) -> Result<()> {
        self.create_as::<Success>(project_ref, env, var).map(drop)
    }

    pub(crate) fn create_as<T: Decoded<Success>>(
        &self,
        project_ref: &str,
        env: &str,
        var: &CreateEnvVar,
    ) -> Result<T> {
        let call = calls::create(project_ref, env, var)?;
        self.client.execute(&call)?.decoded()
    }

    /// Changes the value of an existing variable (`PUT …/envvars/{env}/{name}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.envvars().create("proj_emulator", "dev", &triggerdev::CreateEnvVar::new("REGION", "eu"))?;
    /// client.envvars().update("proj_emulator", "dev", "REGION", "us")?;
    /// assert_eq!(client.envvars().retrieve("proj_emulator", "dev", "REGION")?.value, "us");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`EnvVars::retrieve`].
    pub fn update(&self, project_ref: &str, env: &str, name: &str, value: &str) -> Result<()> {
        self.update_as::<Success>(project_ref, env, name, value)
            .map(drop)
    }

    pub(crate) fn update_as<T: Decoded<Success>>(
        &self,
        project_ref: &str,
        env: &str,
        name: &str,
        value: &str,
    ) -> Result<T> {
        let call = calls::update(project_ref, env, name, value)?;
        self.client.execute(&call)?.decoded()
    }

    /// Deletes a variable (`DELETE …/envvars/{env}/{name}`).
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// # client.envvars().create("proj_emulator", "dev", &triggerdev::CreateEnvVar::new("REGION", "eu"))?;
    /// client.envvars().del("proj_emulator", "dev", "REGION")?;
    /// assert!(client.envvars().list("proj_emulator", "dev")?.is_empty());
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`EnvVars::retrieve`].
    pub fn del(&self, project_ref: &str, env: &str, name: &str) -> Result<()> {
        self.del_as::<Success>(project_ref, env, name).map(drop)
    }

    pub(crate) fn del_as<T: Decoded<Success>>(
        &self,
        project_ref: &str,
        env: &str,
        name: &str,
    ) -> Result<T> {
        let call = calls::del(project_ref, env, name)?;
        self.client.execute(&call)?.decoded()
    }

    /// Uploads many variables at once (`POST …/envvars/{env}/import`); existing ones are kept
    /// unless `override` is set. [`ImportEnvVars::from_dotenv`] reads a `.env` file.
    ///
    /// ```
    /// # let emulator = triggerdev_emulator::Emulator::start().unwrap();
    /// # let client = triggerdev::Client::new(triggerdev::Config::new()
    /// #     .access_token(emulator.seed().dev_key()).base_url(emulator.base_url()));
    /// use triggerdev::ImportEnvVars;
    ///
    /// let body = ImportEnvVars::from_dotenv("A=1\n# comment\nB=\"two words\"\n")?.override_existing(true);
    /// client.envvars().upload("proj_emulator", "dev", &body)?;
    /// assert_eq!(client.envvars().retrieve("proj_emulator", "dev", "B")?.value, "two words");
    /// # Ok::<(), triggerdev::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`EnvVars::list`], and [`Error::InvalidArgument`] with no variables.
    pub fn upload(&self, project_ref: &str, env: &str, body: &ImportEnvVars) -> Result<()> {
        self.upload_as::<Success>(project_ref, env, body).map(drop)
    }

    pub(crate) fn upload_as<T: Decoded<Success>>(
        &self,
        project_ref: &str,
        env: &str,
        body: &ImportEnvVars,
    ) -> Result<T> {
        let call = calls::upload(project_ref, env, body)?;
        self.client.execute(&call)?.decoded()
    }
}

/// Request builders, one per operation.
mod calls {
    use super::*;

    pub(super) fn list(project_ref: &str, env: &str) -> Result<Call> {
        call("envvars.list", Method::GET, project_ref, env, None, "")
    }

    pub(super) fn retrieve(project_ref: &str, env: &str, name: &str) -> Result<Call> {
        call(
            "envvars.retrieve",
            Method::GET,
            project_ref,
            env,
            Some(name),
            "",
        )
    }

    pub(super) fn create(project_ref: &str, env: &str, var: &CreateEnvVar) -> Result<Call> {
        require("body.name", &var.name)?;
        call("envvars.create", Method::POST, project_ref, env, None, "")?.json(var)
    }

    pub(super) fn update(project_ref: &str, env: &str, name: &str, value: &str) -> Result<Call> {
        call(
            "envvars.update",
            Method::PUT,
            project_ref,
            env,
            Some(name),
            "",
        )?
        .json(&serde_json::json!({ "value": value }))
    }

    pub(super) fn del(project_ref: &str, env: &str, name: &str) -> Result<Call> {
        call(
            "envvars.del",
            Method::DELETE,
            project_ref,
            env,
            Some(name),
            "",
        )
    }

    pub(super) fn upload(project_ref: &str, env: &str, body: &ImportEnvVars) -> Result<Call> {
        if body.variables.is_empty() {
            return Err(Error::invalid(
                "body.variables",
                "give at least one variable",
            ));
        }
        call(
            "envvars.upload",
            Method::POST,
            project_ref,
            env,
            None,
            "/import",
        )?
        .json(body)
    }
}

fn call(
    operation: &'static str,
    method: Method,
    project_ref: &str,
    env: &str,
    name: Option<&str>,
    suffix: &str,
) -> Result<Call> {
    require("project_ref", project_ref)?;
    let slug: EnvSlug = env.parse()?;
    let mut path = format!(
        "/api/v1/projects/{}/envvars/{}",
        encode::path_segment(project_ref),
        slug.as_str()
    );
    if let Some(name) = name {
        require("name", name)?;
        path.push('/');
        path.push_str(&encode::path_segment(name));
    }
    path.push_str(suffix);
    let env_kind = match slug {
        EnvSlug::Dev => EnvKind::Development,
        EnvSlug::Staging => EnvKind::Staging,
        EnvSlug::Prod => EnvKind::Production,
        EnvSlug::Preview => EnvKind::Preview,
    };
    Ok(Call::new(
        operation,
        method,
        path,
        Access::EnvVars(env_kind),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_parses_the_common_forms() {
        let text = "# comment\n\nA=1\nexport B = two words \nC=\"line\\nnext \\\"q\\\"\" # c\nD='raw \\n'\nE=x #comment\nF=\nG=\"multi\nline\"\nA=override\n";
        let vars = parse_dotenv(text).unwrap();
        let expected: Vec<(String, String)> = [
            ("B", "two words"),
            ("C", "line\nnext \"q\""),
            ("D", "raw \\n"),
            ("E", "x"),
            ("F", ""),
            ("G", "multi\nline"),
            ("A", "override"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(vars, expected);
    }

    #[test]
    fn dotenv_errors_name_the_line() {
        let err = parse_dotenv("A=1\nnot a pair\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `text`: line 2: expected KEY=value"
        );
        let err = parse_dotenv("1A=1").unwrap_err();
        assert!(
            err.to_string()
                .contains("line 1: `1A` is not a variable name"),
            "{err}"
        );
        let err = parse_dotenv("A=\"open").unwrap_err();
        assert!(
            err.to_string()
                .contains("line 1: unterminated quoted value"),
            "{err}"
        );
        let err = parse_dotenv("A=\"x\" y").unwrap_err();
        assert!(err.to_string().contains("after the closing quote"), "{err}");
    }
}
