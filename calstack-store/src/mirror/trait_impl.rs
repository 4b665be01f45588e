//! The `MirrorStore` methods themselves, expanded inside each backend's `sql_mirror_impl`
//! module by [`crate::mirror::impl_sql_mirror`] (which brings the helpers they call into
//! scope: `q`, `keyed`, the row readers and binders, `Store::take_due`, …).

/// Expands `impl MirrorStore for Store` in the calling module.
macro_rules! mirror_trait_impl {
    () => {
        #[async_trait]
        impl MirrorStore for Store {
            async fn get_list_state(
                &self,
                client: ClientId,
            ) -> Result<Option<CalendarListState>, StoreError> {
                const T: &str = "mirror_lists";
                let row = q(sql::GET_LIST_STATE)
                    .bind(D::id(client.0))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "get calendar list state"))?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(CalendarListState {
                    client_id: ClientId(D::read_id(&row, T, "client_id")?),
                    credential_id: CredentialId(D::read_id(&row, T, "credential_id")?),
                    sync_token: col(&row, T, "sync_token")?,
                    last_synced: D::read_optional_time(&row, T, "last_synced")?,
                }))
            }

            async fn insert_list_state(&self, s: &CalendarListState) -> Result<(), StoreError> {
                let what = "insert calendar list state";
                q(sql::INSERT_LIST_STATE)
                    .bind(D::id(s.client_id.0))
                    .bind(D::id(s.credential_id.0))
                    .bind(s.sync_token.clone())
                    .bind(s.last_synced.map(D::time))
                    .execute(&self.pool)
                    .await
                    .map(drop)
                    .map_err(|e| match violation(&e) {
                        Some(Violation::Unique) => StoreError::conflict(format!(
                            "calendar list state of client {} already exists",
                            s.client_id
                        )),
                        _ => owner_missing(e, what),
                    })
            }

            async fn update_list_state(&self, s: &CalendarListState) -> Result<(), StoreError> {
                let done = q(sql::UPDATE_LIST_STATE)
                    .bind(D::id(s.credential_id.0))
                    .bind(s.sync_token.clone())
                    .bind(s.last_synced.map(D::time))
                    .bind(D::id(s.client_id.0))
                    .execute(&self.pool)
                    .await
                    .map_err(|e| owner_missing(e, "update calendar list state"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::not_found(format!(
                        "calendar list state of client {}",
                        s.client_id
                    )));
                }
                Ok(())
            }

            async fn upsert_calendar(
                &self,
                m: &CalendarMetadata,
                due: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                if self.update_meta(m).await? {
                    return Ok(false);
                }
                let inserted = bind_meta(
                    q(sql::INSERT_CALENDAR)
                        .bind(D::id(m.key.client_id.0))
                        .bind(m.key.calendar_id.clone()),
                    m,
                )
                .bind(D::time(due))
                .bind(calstack_core::store::initial_revision())
                .execute(&self.pool)
                .await;
                match inserted {
                    Ok(_) => Ok(true),
                    // Another writer added it between our update and insert.
                    Err(e) if violation(&e) == Some(Violation::Unique) => {
                        self.update_meta(m).await.map(|_| false)
                    }
                    Err(e) => Err(owner_missing(e, "add mirrored calendar")),
                }
            }

            async fn get_calendar(
                &self,
                key: &CalendarKey,
            ) -> Result<Option<MirroredCalendar>, StoreError> {
                self.fetch_calendar(key).await
            }

            async fn list_calendars(
                &self,
                s: &MirrorSelection,
            ) -> Result<Vec<MirroredCalendar>, StoreError> {
                if let Some(listed) = self.direct_calendars(s) {
                    return listed.await;
                }
                let statement = sql::list_calendars(
                    s.clients.as_ref().map(Vec::len),
                    s.calendars.as_ref().map(Vec::len),
                );
                bind_selection(sqlx::query(D::dynamic(statement)), s)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "list mirrored calendars"))?
                    .iter()
                    .map(calendar_from_row)
                    .collect()
            }

            async fn delete_calendar(&self, key: &CalendarKey) -> Result<bool, StoreError> {
                let done = keyed(sql::DELETE_CALENDAR, key)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "delete mirrored calendar"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn calendar_by_channel(
                &self,
                channel_id: &str,
            ) -> Result<Option<MirroredCalendar>, StoreError> {
                q(sql::CALENDAR_BY_CHANNEL)
                    .bind(channel_id.to_owned())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "find calendar by channel"))?
                    .map(|row| calendar_from_row(&row))
                    .transpose()
            }

            async fn set_channel(
                &self,
                key: &CalendarKey,
                channel: Option<&PushChannel>,
            ) -> Result<bool, StoreError> {
                let done = q(sql::SET_CHANNEL)
                    .bind(channel.map(|c| c.id.clone()))
                    .bind(channel.map(|c| c.resource_id.clone()))
                    .bind(channel.map(|c| D::time(c.expires_at)))
                    .bind(channel.map(|c| c.token.as_stored().to_owned()))
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
                    .execute(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "set push channel"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn mark_due(
                &self,
                key: &CalendarKey,
                at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = q(sql::MARK_DUE)
                    .bind(D::time(at))
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
                    .execute(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "mark calendar due"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn claim_due_calendars(
                &self,
                holder: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
                limit: u32,
            ) -> Result<Vec<MirroredCalendar>, StoreError> {
                let keys = self.take_due(holder, now, until, limit).await?;
                let mut claimed = Vec::with_capacity(keys.len());
                for key in &keys {
                    claimed.extend(self.fetch_calendar(key).await?);
                }
                Ok(claimed)
            }

            async fn lease_calendar(
                &self,
                key: &CalendarKey,
                holder: &str,
                now: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = keyed_lease(holder, until, key, now)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "lease calendar"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn finish_sync(
                &self,
                key: &CalendarKey,
                holder: &str,
                f: &SyncFinish,
            ) -> Result<bool, StoreError> {
                let (action, token) = match &f.token {
                    TokenUpdate::Keep => ("keep", None),
                    TokenUpdate::Set(token) => ("set", Some(token.clone())),
                    TokenUpdate::Clear => ("clear", None),
                };
                let done = q(sql::FINISH_SYNC)
                    .bind(action)
                    .bind(token)
                    .bind(f.synced_at.map(D::time))
                    .bind(D::time(f.next_sync_due))
                    .bind(f.failures)
                    .bind(f.last_error.clone())
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
                    .bind(holder.to_owned())
                    .execute(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "finish calendar sync"))?;
                Ok(done.rows_affected() > 0)
            }

            async fn park_credential(
                &self,
                credential: CredentialId,
                reason: &str,
            ) -> Result<u64, StoreError> {
                let done = q(sql::PARK)
                    .bind(reason.to_owned())
                    .bind(D::id(credential.0))
                    .execute(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "park credential"))?;
                Ok(done.rows_affected())
            }

            async fn unpark_credential(
                &self,
                credential: CredentialId,
                due: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let done = q(sql::UNPARK)
                    .bind(D::time(due))
                    .bind(D::id(credential.0))
                    .execute(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "unpark credential"))?;
                Ok(done.rows_affected())
            }

            async fn parked_credentials(&self) -> Result<Vec<CredentialId>, StoreError> {
                q(sql::PARKED_CREDENTIALS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "list parked credentials"))?
                    .iter()
                    .map(|row| Ok(CredentialId(D::read_id(row, CALENDARS, "credential_id")?)))
                    .collect()
            }

            async fn write_events(
                &self,
                key: &CalendarKey,
                generation: i64,
                upserts: &[MirrorEventRow],
                deletes: &[String],
            ) -> Result<(), StoreError> {
                self.generation_of(key).await?;
                again_after_deadlocks(key, || {
                    self.write_events_once(key, generation, upserts, deletes)
                })
                .await
                .map_err(|e| store_error(e, "write mirrored events"))
            }

            async fn begin_full_sync(&self, key: &CalendarKey) -> Result<i64, StoreError> {
                let current = self.generation_of(key).await?;
                // MariaDB's gap locks can deadlock this delete with another calendar's
                // inserts; the delete is safe to run again.
                again_after_deadlocks(key, || {
                    q(sql::DELETE_OTHER_GENERATIONS)
                        .bind(D::id(key.client_id.0))
                        .bind(key.calendar_id.clone())
                        .bind(current)
                        .execute(&self.pool)
                })
                .await
                .map_err(|e| store_error(e, "begin full sync"))?;
                Ok(current + 1)
            }

            async fn complete_full_sync(
                &self,
                key: &CalendarKey,
                generation: i64,
                sync_token: &str,
            ) -> Result<(), StoreError> {
                let swapped = again_after_deadlocks(key, || {
                    self.swap_generation_once(key, generation, sync_token)
                })
                .await
                .map_err(|e| store_error(e, "complete full sync"))?;
                if swapped {
                    Ok(())
                } else {
                    Err(StoreError::not_found(key.to_string()))
                }
            }

            async fn events_between(
                &self,
                s: &MirrorSelection,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<MirrorEventRow>, StoreError> {
                let mut rows = match self.direct_events_between(s, from, to) {
                    Some(rows) => rows.await?,
                    None => self
                        .between(sql::EVENT_COLUMNS_E, s, &WindowBounds::new(from, to), false)
                        .await?
                        .iter()
                        .map(event_from_row)
                        .collect::<Result<Vec<_>, _>>()?,
                };
                $crate::mirror::sort_window(&mut rows);
                Ok(rows)
            }

            async fn window_rows(
                &self,
                s: &MirrorSelection,
                bounds: WindowBounds,
            ) -> Result<Vec<MirrorWindowRow>, StoreError> {
                let mut rows = match self.direct_window_chunks(s, bounds) {
                    Some(chunks) => chunks.try_concat().await?,
                    None => self
                        .between(sql::WINDOW_COLUMNS_E, s, &bounds, true)
                        .await?
                        .iter()
                        .map(window_from_row)
                        .collect::<Result<Vec<_>, _>>()?,
                };
                $crate::mirror::sort_window(&mut rows);
                Ok(rows)
            }

            fn window_row_chunks<'a>(
                &'a self,
                s: &'a MirrorSelection,
                bounds: WindowBounds,
            ) -> BoxStream<'a, Result<Vec<MirrorWindowRow>, StoreError>> {
                if let Some(chunks) = self.direct_window_chunks(s, bounds) {
                    return chunks;
                }
                self.between_query(sql::WINDOW_COLUMNS_E, s, &bounds, true)
                    .fetch(&self.pool)
                    .map(|row| {
                        row.map_err(|e| store_error(e, "read mirrored events"))
                            .and_then(|row| window_from_row(&row))
                    })
                    .try_chunks($crate::mirror::WINDOW_CHUNK)
                    .map_err(|TryChunksError(_, e)| e)
                    .boxed()
            }

            fn visits_where_read(&self) -> bool {
                self.direct_visits()
            }

            async fn visit_window_rows(
                &self,
                s: &MirrorSelection,
                bounds: WindowBounds,
                visitor: Box<dyn WindowVisitor>,
            ) -> Result<(), StoreError> {
                match self.direct_window_visit(s, bounds, visitor) {
                    Ok(read) => read.await,
                    Err(visitor) => {
                        calstack_core::store::visit_in_chunks(self, s, bounds, visitor).await
                    }
                }
            }

            async fn list_events(
                &self,
                key: &CalendarKey,
            ) -> Result<Vec<MirrorEventRow>, StoreError> {
                keyed(sql::LIST_EVENTS, key)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "list mirrored events"))?
                    .iter()
                    .map(event_from_row)
                    .collect()
            }

            async fn count_events(&self, key: &CalendarKey) -> Result<u64, StoreError> {
                let n: i64 = sqlx::query_scalar(D::sql(sql::COUNT_EVENTS))
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
                    .fetch_one(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "count mirrored events"))?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }

        impl Store {
            /// The rows of the time-range read (see `sql::events_between`), `columns` of them.
            async fn between(
                &self,
                columns: &str,
                s: &MirrorSelection,
                bounds: &WindowBounds,
                timed_within: bool,
            ) -> Result<Vec<Row>, StoreError> {
                self.between_query(columns, s, bounds, timed_within)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| store_error(e, "read mirrored events"))
            }

            /// The time-range read (see `sql::events_between`) of `columns`, bound; with
            /// `timed_within`, timed single events only where `bounds` keeps them.
            fn between_query(
                &self,
                columns: &str,
                s: &MirrorSelection,
                bounds: &WindowBounds,
                timed_within: bool,
            ) -> Query {
                let statement = sql::events_between(
                    columns,
                    s.clients.as_ref().map(Vec::len),
                    s.calendars.as_ref().map(Vec::len),
                    D::INDEX_HINTS,
                    timed_within,
                );
                let mut query = bind_selection(sqlx::query(D::dynamic(statement)), s);
                for t in sql::between_times(bounds, timed_within) {
                    query = query.bind(D::time(t));
                }
                query
            }

            /// One attempt of `complete_full_sync`; whether the calendar exists.
            async fn swap_generation_once(
                &self,
                key: &CalendarKey,
                generation: i64,
                sync_token: &str,
            ) -> Result<bool, sqlx::Error> {
                let mut tx = self.pool.begin().await?;
                let swapped = q(sql::SWAP_GENERATION)
                    .bind(generation)
                    .bind(sync_token.to_owned())
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
                    .execute(&mut *tx)
                    .await?;
                if swapped.rows_affected() == 0 {
                    return Ok(false);
                }
                q(sql::DELETE_OTHER_GENERATIONS)
                    .bind(D::id(key.client_id.0))
                    .bind(key.calendar_id.clone())
                    .bind(generation)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            /// One attempt of `write_events`, in one transaction.
            async fn write_events_once(
                &self,
                key: &CalendarKey,
                generation: i64,
                upserts: &[MirrorEventRow],
                deletes: &[String],
            ) -> Result<(), sqlx::Error> {
                let mut tx = self.pool.begin().await?;
                keyed(sql::BUMP_REVISION, key).execute(&mut *tx).await?;
                for chunk in upserts.chunks(INSERT_CHUNK) {
                    let ids: Vec<String> = chunk.iter().map(|r| r.event_id.clone()).collect();
                    delete_ids(key, generation, &ids, false)
                        .execute(&mut *tx)
                        .await?;
                    let mut insert = sqlx::query(D::dynamic(sql::insert_events(chunk.len())));
                    for row in chunk {
                        insert = bind_event(insert, generation, row);
                    }
                    insert.execute(&mut *tx).await?;
                }
                for chunk in deletes.chunks(INSERT_CHUNK) {
                    delete_ids(key, generation, chunk, true)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
        }

        /// `DELETE` of `ids` (and, with `with_instances`, their instances) in one generation.
        fn delete_ids(
            key: &CalendarKey,
            generation: i64,
            ids: &[String],
            with_instances: bool,
        ) -> Query {
            let statement = sql::delete_events(ids.len(), with_instances);
            let mut query = sqlx::query(D::dynamic(statement))
                .bind(D::id(key.client_id.0))
                .bind(key.calendar_id.clone())
                .bind(generation);
            let rounds = if with_instances { 2 } else { 1 };
            for _ in 0..rounds {
                for id in ids {
                    query = query.bind(id.clone());
                }
            }
            query
        }
    };
}
pub(crate) use mirror_trait_impl;
