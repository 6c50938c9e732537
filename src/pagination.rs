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

/// Every item of a cursor-paginated list: `fetch(None)` gets the first page, `fetch(Some(c))`
/// the page at cursor `c`.
pub(crate) fn cursor_pages<T>(
    mut fetch: impl FnMut(Option<&String>) -> Result<CursorPage<T>> + Send + 'static,
) -> PageIter<T, String> {
    PageIter::new(move |cursor: Option<&String>| {
        let page = fetch(cursor)?;
        // A cursor that does not move would loop forever.
        let next = page.pagination.next.filter(|n| Some(n) != cursor);
        Ok((page.data, next))
    })
}

/// Every item of an offset-paginated list that starts at page `first` (1 unless the caller
/// asked for another): `fetch(None)` gets that page, `fetch(Some(n))` page `n`.
pub(crate) fn numbered_pages<T>(
    first: u32,
    mut fetch: impl FnMut(Option<u32>) -> Result<OffsetPage<T>> + Send + 'static,
) -> PageIter<T, u32> {
    PageIter::new(move |number: Option<&u32>| {
        let page = fetch(number.copied())?;
        // A server whose pages do not advance would loop forever.
        let requested = u64::from(number.copied().unwrap_or(first));
        let current = page.pagination.current_page;
        let next = (page.has_next_page() && current >= requested)
            .then(|| u32::try_from(current + 1).ok())
            .flatten();
        Ok((page.data, next))
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn cursor_page(data: &[u32], next: Option<&str>) -> CursorPage<u32> {
        CursorPage {
            data: data.to_vec(),
            pagination: CursorPagination {
                next: next.map(str::to_owned),
                previous: None,
            },
        }
    }

    fn offset_page(data: &[u32], current: u64, total: u64) -> OffsetPage<u32> {
        OffsetPage {
            data: data.to_vec(),
            pagination: OffsetPagination {
                current_page: current,
                total_pages: total,
                count: 0,
            },
        }
    }

    #[test]
    fn cursor_pages_follow_next_and_stop_at_a_cursor_that_does_not_move() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let items: Vec<u32> = cursor_pages(move |cursor| {
            log.lock().unwrap().push(cursor.cloned());
            Ok(match cursor.map(String::as_str) {
                None => cursor_page(&[1, 2], Some("c1")),
                // The server answers the same cursor again: the iterator must end here.
                Some("c1") => cursor_page(&[3], Some("c1")),
                Some(other) => panic!("unexpected cursor {other}"),
            })
        })
        .map(Result::unwrap)
        .collect();
        assert_eq!(items, [1, 2, 3]);
        assert_eq!(*asked.lock().unwrap(), [None, Some("c1".to_owned())]);
    }

    #[test]
    fn numbered_pages_count_from_the_first_page_and_stop_when_pages_do_not_advance() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let items: Vec<u32> = numbered_pages(2, move |number| {
            log.lock().unwrap().push(number);
            Ok(match number {
                None => offset_page(&[20], 2, 4),
                Some(3) => offset_page(&[30], 3, 4),
                // The server answers page 1 when asked for page 4: it does not advance.
                Some(4) => offset_page(&[10], 1, 4),
                Some(other) => panic!("unexpected page {other}"),
            })
        })
        .map(Result::unwrap)
        .collect();
        assert_eq!(items, [20, 30, 10]);
        assert_eq!(*asked.lock().unwrap(), [None, Some(3), Some(4)]);
    }

    #[test]
    fn a_page_that_fails_is_the_last_item() {
        let mut pages = cursor_pages(|cursor| match cursor {
            None => Ok(cursor_page(&[1], Some("c1"))),
            Some(_) => Err(crate::Error::invalid("cursor", "refused")),
        });
        assert_eq!(pages.next().unwrap().unwrap(), 1);
        assert!(matches!(
            pages.next(),
            Some(Err(crate::Error::InvalidArgument { .. }))
        ));
        assert!(pages.next().is_none());
        assert_eq!(pages.pages_fetched(), 2);
    }
}
