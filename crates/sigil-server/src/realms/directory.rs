//! Which realm names are worth a store lookup: the registry's guard against a flood of
//! requests for realms that do not exist (`/realms/<random>/token`).
//!
//! A name is looked up in the store only if it is known to exist — listed by the store when
//! the server started, or announced since by the feed ([`sigil_store::FeedKind::Realm`]) —
//! or if it is new and this tick's small budget for new names is not spent. A name found
//! missing is remembered as absent until the next tick. So however many requests name
//! unknown realms, they cost at most [`NEW_NAME_LOOKUPS_PER_TICK`] store lookups per refresh
//! interval, while a realm created elsewhere (the CLI, another node) is still found on its
//! first request — or, during a flood, at the next tick, once the feed has announced it.
//!
//! Nothing here expires by time: the refresh interval is the lifetime of what is absent, and
//! no clock is read.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use sigil_store::RealmName;

/// Store lookups of names the last tick did not list, per refresh interval.
pub const NEW_NAME_LOOKUPS_PER_TICK: usize = 32;

/// Absent names remembered per tick; past it a missing name costs budget, not memory.
pub const ABSENT_LIMIT: usize = 4096;

/// Realm names as of the last refresh tick, and the names found missing since.
#[derive(Debug)]
pub struct Directory {
    names: Mutex<Names>,
}

#[derive(Debug, Default)]
struct Names {
    /// Known to exist: listed at start or announced by the feed since.
    listed: HashSet<RealmName>,
    /// Looked up since the last tick and not found.
    absent: HashSet<RealmName>,
    /// Lookups of unlisted names left until the next tick.
    budget: usize,
}

impl Default for Directory {
    fn default() -> Self {
        Self {
            names: Mutex::new(Names {
                budget: NEW_NAME_LOOKUPS_PER_TICK,
                ..Names::default()
            }),
        }
    }
}

impl Directory {
    /// Whether a realm not loaded yet should be looked up in the store. A `true` for a name
    /// the last tick did not list spends one lookup of this tick's budget.
    pub fn worth_lookup(&self, name: &RealmName) -> bool {
        let mut names = self.lock();
        if names.absent.contains(name) {
            return false;
        }
        if names.listed.contains(name) {
            return true;
        }
        if names.budget == 0 {
            return false;
        }
        names.budget -= 1;
        true
    }

    /// Remembers that the store has no realm `name`, until the next tick.
    pub fn found_absent(&self, name: &RealmName) {
        let mut names = self.lock();
        if names.absent.len() < ABSENT_LIMIT {
            names.absent.insert(name.clone());
        }
    }

    /// Starts over from the names the store lists now.
    pub fn reset(&self, stored: impl IntoIterator<Item = RealmName>) {
        let mut names = self.lock();
        names.listed.clear();
        names.listed.extend(stored);
        names.absent.clear();
    }

    /// Records that a realm exists (the feed announced it).
    pub fn learn(&self, name: &RealmName) {
        let mut names = self.lock();
        names.absent.remove(name);
        names.listed.insert(name.clone());
    }

    /// Starts a new tick: absent names may be looked up again, and the budget is full.
    pub fn tick(&self) {
        let mut names = self.lock();
        names.absent.clear();
        names.budget = NEW_NAME_LOOKUPS_PER_TICK;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Names> {
        self.names.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn name(n: &str) -> RealmName {
        RealmName::new(n).unwrap()
    }

    #[test]
    fn unlisted_names_cost_a_bounded_number_of_lookups_per_tick() {
        let directory = Directory::default();
        let looked_up = (0..1000)
            .filter(|i| directory.worth_lookup(&name(&format!("r{i}"))))
            .count();
        assert_eq!(looked_up, NEW_NAME_LOOKUPS_PER_TICK);
        directory.reset([name("acme")]);
        directory.tick();
        assert!(
            (0..1000).all(|_| directory.worth_lookup(&name("acme"))),
            "listed names never run out"
        );
        assert!(directory.worth_lookup(&name("new")));
    }

    #[test]
    fn an_absent_name_is_remembered_until_the_next_tick() {
        let directory = Directory::default();
        let ghost = name("ghost");
        assert!(directory.worth_lookup(&ghost));
        directory.found_absent(&ghost);
        assert!(!directory.worth_lookup(&ghost));
        directory.tick();
        assert!(
            directory.worth_lookup(&ghost),
            "looked up again at the next tick"
        );
        directory.found_absent(&ghost);
        directory.learn(&ghost);
        assert!(
            directory.worth_lookup(&ghost),
            "created since: announced by the feed"
        );
        for i in 0..NEW_NAME_LOOKUPS_PER_TICK {
            directory.worth_lookup(&name(&format!("r{i}")));
        }
        assert!(directory.worth_lookup(&ghost), "known names cost no budget");
    }
}
