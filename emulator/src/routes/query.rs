//! Query-string helpers the list routes share: comma lists, page sizes, cursor pages, and the
//! server's `Query Error` answer.

use serde_json::{json, Map, Value};

use crate::http::HttpResponse;
use crate::route::Ctx;

pub fn query_error(path: &str, message: &str) -> HttpResponse {
    HttpResponse::json(
        400,
        &json!({"error": "Query Error", "details": [{"path": [path], "message": message}]}),
    )
}

pub fn list_param(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// `page[size]` 1-100, else `default`.
pub fn page_size(c: &Ctx, default: usize) -> Result<usize, HttpResponse> {
    match c.q("page[size]") {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| query_error("page[size]", "Number must be between 1 and 100")),
    }
}

/// A newest-first cursor page over `items` (cursors are item ids). `page[before]` wins when both
/// are sent. Returns the page and the `pagination` object.
pub fn cursor_page<'a, T>(
    c: &Ctx,
    items: &[&'a T],
    id: impl Fn(&T) -> &str,
    seq: impl Fn(&T) -> u64,
    cursor_seq: impl Fn(&str) -> Option<u64>,
    size: usize,
) -> Result<(Vec<&'a T>, Map<String, Value>), HttpResponse> {
    let cursor = |key: &str| -> Result<Option<u64>, HttpResponse> {
        match c.q(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => cursor_seq(v)
                .map(Some)
                .ok_or_else(|| query_error(key, "Invalid cursor")),
        }
    };
    let (start, end) = if let Some(s) = cursor("page[before]")? {
        let end = items
            .iter()
            .position(|x| seq(x) <= s)
            .unwrap_or(items.len());
        (end.saturating_sub(size), end)
    } else if let Some(s) = cursor("page[after]")? {
        let start = items.iter().position(|x| seq(x) < s).unwrap_or(items.len());
        (start, (start + size).min(items.len()))
    } else {
        (0, size.min(items.len()))
    };
    let page = items[start..end].to_vec();
    let mut pagination = Map::new();
    if let (Some(last), true) = (page.last(), end < items.len()) {
        pagination.insert("next".into(), json!(id(last)));
    }
    if let (Some(first), true) = (page.first(), start > 0) {
        pagination.insert("previous".into(), json!(id(first)));
    }
    Ok((page, pagination))
}
