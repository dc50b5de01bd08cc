use async_trait::async_trait;
use sqlx::Row as _;

use super::records::realm;
use super::{PostgresStore, conflict_as, feed};
use crate::{KeyRecord, Realm, RealmName, RealmSettings, RealmStore, Result, StoreError};

#[async_trait]
impl RealmStore for PostgresStore {
    async fn insert_realm(&self, realm: &Realm, keys: &[KeyRecord]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO realms (name, settings, version, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(realm.name.as_str())
        .bind(serde_json::to_string(&realm.settings)?)
        .bind(realm.version)
        .bind(realm.created_at)
        .execute(&mut *tx)
        .await
        .map_err(conflict_as(|| format!("realm {:?}", realm.name.as_str())))?;
        for key in keys {
            super::keys::insert(&mut tx, &realm.name, key).await?;
        }
        feed::push_realm(&mut tx, &realm.name).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_realm(&self, name: &RealmName) -> Result<Option<Realm>> {
        let row =
            sqlx::query("SELECT name, settings, version, created_at FROM realms WHERE name = $1")
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
        // `name` is COLLATE "C": byte order, as the trait promises, whatever the database's.
        let rows = sqlx::query(
            "SELECT name, settings, version, created_at FROM realms
             WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT $2",
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
        let mut tx = self.pool.begin().await?;
        let updated =
            sqlx::query("UPDATE realms SET settings = $1, version = version + 1 WHERE name = $2")
                .bind(serde_json::to_string(settings)?)
                .bind(name.as_str())
                .execute(&mut *tx)
                .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::UnknownRealm(name.to_string()));
        }
        feed::push_realm(&mut tx, name).await?;
        tx.commit().await?;
        Ok(())
    }
}
