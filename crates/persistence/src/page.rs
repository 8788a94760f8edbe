//! Keyset pagination over UUID v7 ids (which sort by creation time).
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

/// What page to read: at most `limit` items after the item with id `after`.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: 50,
            after: None,
        }
    }
}

/// One page of results; `next_after` is the id to continue after, if any.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

/// Runs `select` ordered by `id_col` ascending from after the cursor.
pub async fn fetch<E, C>(
    conn: &C,
    select: Select<E>,
    id_col: E::Column,
    id_of: impl Fn(&E::Model) -> String,
    page: &PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut q = select;
    if let Some(after) = &page.after {
        q = q.filter(id_col.gt(after.clone()));
    }
    let mut items = q
        .order_by_asc(id_col)
        .limit(page.limit + 1)
        .all(conn)
        .await?;
    let next_after = if items.len() as u64 > page.limit {
        items.truncate(page.limit as usize);
        items.last().map(&id_of)
    } else {
        None
    };
    Ok(Page { items, next_after })
}
