use async_trait::async_trait;
use sqlx::Row as _;

use super::records::realm;
use super::{SqliteStore, begin_write, bump_realm_version, feed};
use crate::{KeyRecord, Realm, RealmName, RealmSettings, RealmStore, Result, StoreError};

#[async_trait]
impl RealmStore for SqliteStore {
    async fn insert_realm(&self, realm: &Realm, keys: &[KeyRecord]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO realms (name, settings, version, created_at) VALUES (?, ?, ?, ?)")
            .bind(realm.name.as_str())
            .bind(serde_json::to_string(&realm.settings)?)
            .bind(realm.version)
            .bind(realm.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("realm {:?}", realm.name.as_str()))
                }
                other => other,
            })?;
        for key in keys {
            super::keys::insert(&mut tx, &realm.name, key).await?;
        }
        feed::push_realm(&mut tx, &realm.name).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_realm(&self, name: &RealmName) -> Result<Option<Realm>> {
        let row =
            sqlx::query("SELECT name, settings, version, created_at FROM realms WHERE name = ?")
                .bind(name.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(realm).transpose()
    }

    async fn list_realms(&self) -> Result<Vec<Realm>> {
        let rows =
            sqlx::query("SELECT name, settings, version, created_at FROM realms ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(realm).collect()
    }

    async fn list_realms_page(&self, after: Option<&RealmName>, limit: u32) -> Result<Vec<Realm>> {
        // TEXT compares with BINARY collation: byte order, as the trait promises.
        let rows = sqlx::query(
            "SELECT name, settings, version, created_at FROM realms
             WHERE ?1 IS NULL OR name > ?1 ORDER BY name LIMIT ?2",
        )
        .bind(after.map(RealmName::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(realm).collect()
    }

    async fn realm_versions(&self) -> Result<Vec<(RealmName, i64)>> {
        let rows = sqlx::query("SELECT name, version FROM realms")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let name: String = row.try_get("name")?;
                let name = RealmName::new(name).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((name, row.try_get("version")?))
            })
            .collect()
    }

    async fn update_realm_settings(
        &self,
        name: &RealmName,
        settings: &RealmSettings,
    ) -> Result<()> {
        let mut tx = begin_write(&self.pool).await?;
        let updated = sqlx::query("UPDATE realms SET settings = ? WHERE name = ?")
            .bind(serde_json::to_string(settings)?)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::UnknownRealm(name.to_string()));
        }
        bump_realm_version(&mut tx, name).await?;
        tx.commit().await?;
        Ok(())
    }
}
