//! Cursor and offset pages, and iterators that fetch the next page only when needed.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Cursors of a cursor page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPagination {
    /// The cursor of the next page, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The cursor of the previous page, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// One page of a cursor-paginated list (runs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CursorPage<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Where the neighbouring pages are.
    pub pagination: CursorPagination,
}

impl<T> CursorPage<T> {
    /// Whether a next page exists.
    pub fn has_next_page(&self) -> bool {
        self.pagination.next.is_some()
    }
}

/// Position of an offset page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffsetPagination {
    /// 1-based page number.
    #[serde(deserialize_with = "lenient_u64")]
    pub current_page: u64,
    /// Number of pages.
    #[serde(deserialize_with = "lenient_u64")]
    pub total_pages: u64,
    /// Number of items in all pages.
    #[serde(deserialize_with = "lenient_u64")]
    pub count: u64,
}

/// One page of an offset-paginated list (schedules).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OffsetPage<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Where this page is.
    pub pagination: OffsetPagination,
}

impl<T> OffsetPage<T> {
    /// Whether a next page exists.
    pub fn has_next_page(&self) -> bool {
        self.pagination.current_page < self.pagination.total_pages
    }
}

/// The official SDK coerces these to numbers, so accept numeric strings too.
fn lenient_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Int(u64),
        Float(f64),
        Text(String),
    }
    match N::deserialize(d)? {
        N::Int(n) => Ok(n),
        N::Float(f) if f >= 0.0 => Ok(f as u64),
        N::Text(s) => s.trim().parse().map_err(serde::de::Error::custom),
        N::Float(_) => Err(serde::de::Error::custom("negative page number")),
    }
}

/// Fetches a page: `None` for the first, `Some(position)` for the one after; returns the items
/// and the position of the next page.
type FetchPage<T, P> = Box<dyn FnMut(Option<&P>) -> Result<(Vec<T>, Option<P>)> + Send>;

/// An iterator over every item of a paginated list. It holds one page at a time and fetches the
/// next when the current one runs out; after an error it ends.
pub struct PageIter<T, P> {
    fetch: FetchPage<T, P>,
    items: std::vec::IntoIter<T>,
    next: Option<P>,
    started: bool,
    done: bool,
    pages_fetched: u64,
}

impl<T, P> PageIter<T, P> {
    /// `fetch(None)` gets the first page, `fetch(Some(p))` the page after `p`; each returns the
    /// items and the position of the next page, if any.
    pub(crate) fn new(
        fetch: impl FnMut(Option<&P>) -> Result<(Vec<T>, Option<P>)> + Send + 'static,
    ) -> PageIter<T, P> {
        PageIter {
            fetch: Box::new(fetch),
            items: Vec::new().into_iter(),
            next: None,
            started: false,
            done: false,
            pages_fetched: 0,
        }
    }

    /// How many pages have been requested so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }
}

impl<T, P> Iterator for PageIter<T, P> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            if self.done || (self.started && self.next.is_none()) {
                return None;
            }
            let position = self.next.take();
            self.started = true;
            self.pages_fetched += 1;
            match (self.fetch)(position.as_ref()) {
                Ok((items, next)) => {
                    self.items = items.into_iter();
                    self.next = next;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<T, P> std::fmt::Debug for PageIter<T, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageIter")
            .field("pages_fetched", &self.pages_fetched)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
