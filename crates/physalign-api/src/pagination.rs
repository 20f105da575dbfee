//! Seed 003's pagination standard.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Default page size.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// Largest page size a client may ask for.
pub const MAX_PER_PAGE: u32 = 100;

/// Where a page sits in the whole result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Pagination {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items across all pages.
    pub total_items: u64,
    /// Number of pages (0 when there are no items).
    pub total_pages: u64,
}

impl Pagination {
    /// The pagination block for `total_items` items shown `per_page` at a time.
    pub fn new(page: u32, per_page: u32, total_items: u64) -> Self {
        let total_pages = total_items.div_ceil(u64::from(per_page.max(1)));
        Self {
            page,
            per_page,
            total_items,
            total_pages,
        }
    }
}

/// `?page=&per_page=` on list endpoints.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 20, at most 100).
    pub per_page: Option<u32>,
}
