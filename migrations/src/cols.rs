//! Column shapes shared by every migration, so ids and timestamps are the
//! same type everywhere (ids: 36-character UUID strings on both databases).
use sea_orm_migration::{prelude::*, schema::*};

pub fn id_col<T: IntoIden>(name: T) -> ColumnDef {
    string_len(name, 36).primary_key().take()
}

pub fn ref_col<T: IntoIden>(name: T) -> ColumnDef {
    string_len(name, 36)
}

pub fn ref_col_null<T: IntoIden>(name: T) -> ColumnDef {
    string_len_null(name, 36)
}

pub fn ts<T: IntoIden>(name: T) -> ColumnDef {
    timestamp_with_time_zone(name)
}

pub fn ts_null<T: IntoIden>(name: T) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}
