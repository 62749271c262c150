//! The import plan, written once over the [`Store`] interface so every backend imports alike.

use std::collections::HashMap;

use crate::{Bundle, Id, ImportSummary, Store, StoreError};

/// Import `bundle` into `store`. The caller runs this inside [`Store::atomically`].
pub(crate) fn import(
    store: &mut dyn Store,
    bundle: &Bundle,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportSummary, StoreError> {
    let mut sum = ImportSummary::default();
    let mut done = 0;
    // Bundle entry id -> stored id.
    let mut entry_ids: HashMap<Id, Id> = HashMap::new();
    for (i, e) in bundle.entries.iter().enumerate() {
        done += 1;
        progress(done);
        let mut e = e.clone();
        e.normalize().map_err(|err| StoreError::Invalid(format!("entry {} ({}): {err}", i + 1, e.title)))?;
        let original = e.id;
        if original > 0 {
            match previous(store.entry(original), &e)? {
                Previous::Same => {
                    sum.entries_unchanged += 1;
                    entry_ids.insert(original, original);
                    continue;
                }
                Previous::Other => {
                    e.id = 0;
                    sum.entries_renumbered += 1;
                }
                Previous::None => {}
            }
        }
        let stored = create(&mut e, |e| &mut e.id, &mut sum.entries_renumbered, |e| store.create_entry(e))?;
        if e.id == original {
            sum.entries_added += 1;
        }
        if original > 0 {
            entry_ids.insert(original, stored.id);
        }
    }
    // Bundle story id -> stored id.
    let mut story_ids: HashMap<Id, Id> = HashMap::new();
    for (i, s) in bundle.stories.iter().enumerate() {
        done += 1;
        progress(done);
        let mut s = s.clone();
        s.normalize().map_err(|err| StoreError::Invalid(format!("story {} ({}): {err}", i + 1, s.title)))?;
        if let Some(eid) = s.entry_id {
            s.entry_id = Some(*entry_ids.get(&eid).unwrap_or(&eid));
        }
        let original = s.id;
        if original > 0 {
            match previous(store.story(original), &s)? {
                Previous::Same => {
                    sum.stories_unchanged += 1;
                    story_ids.insert(original, original);
                    continue;
                }
                Previous::Other => {
                    s.id = 0;
                    sum.stories_renumbered += 1;
                }
                Previous::None => {}
            }
        }
        let stored = create(&mut s, |s| &mut s.id, &mut sum.stories_renumbered, |s| store.create_story(s))?;
        if s.id == original {
            sum.stories_added += 1;
        }
        if original > 0 {
            story_ids.insert(original, stored.id);
        }
    }
    for (i, a) in bundle.attempts.iter().enumerate() {
        done += 1;
        progress(done);
        let mut a = a.clone();
        a.normalize()
            .map_err(|err| StoreError::Invalid(format!("practice attempt {} ({}): {err}", i + 1, a.question)))?;
        if let Some(sid) = a.story_id {
            a.story_id = Some(*story_ids.get(&sid).unwrap_or(&sid));
        }
        let original = a.id;
        if original > 0 {
            match previous(store.attempt(original), &a)? {
                Previous::Same => {
                    sum.attempts_unchanged += 1;
                    continue;
                }
                Previous::Other => {
                    a.id = 0;
                    sum.attempts_renumbered += 1;
                }
                Previous::None => {}
            }
        }
        create(&mut a, |a| &mut a.id, &mut sum.attempts_renumbered, |a| store.record_attempt(a))?;
        if a.id == original {
            sum.attempts_added += 1;
        }
    }
    for (i, f) in bundle.feedback.iter().enumerate() {
        done += 1;
        progress(done);
        let mut f = f.clone();
        f.story_id = *story_ids.get(&f.story_id).unwrap_or(&f.story_id);
        f.normalize().map_err(|err| StoreError::Invalid(format!("feedback {}: {err}", i + 1)))?;
        let original = f.id;
        if original > 0 {
            match previous(store.feedback_item(original), &f)? {
                Previous::Same => {
                    sum.feedback_unchanged += 1;
                    continue;
                }
                Previous::Other => {
                    f.id = 0;
                    sum.feedback_renumbered += 1;
                }
                Previous::None => {}
            }
        }
        create(&mut f, |f| &mut f.id, &mut sum.feedback_renumbered, |f| store.add_feedback(f))?;
        if f.id == original {
            sum.feedback_added += 1;
        }
    }
    Ok(sum)
}

/// Create `record`. If its id is taken by a record this store cannot see (another user's, in a
/// backend whose ids are unique across users: SQLite), it gets a new id instead.
fn create<T, R>(
    record: &mut T,
    id: fn(&mut T) -> &mut Id,
    renumbered: &mut usize,
    mut create: impl FnMut(&T) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    match create(record) {
        Err(StoreError::Conflict { .. }) if *id(record) > 0 => {
            *id(record) = 0;
            *renumbered += 1;
            create(record)
        }
        r => r,
    }
}

/// What a store holds under a record's id.
enum Previous {
    /// Nothing: the record can keep its id.
    None,
    /// The same record: importing it again changes nothing.
    Same,
    /// Something else: the record gets a new id.
    Other,
}

fn previous<T: PartialEq>(found: Result<T, StoreError>, record: &T) -> Result<Previous, StoreError> {
    match found {
        Ok(existing) if existing == *record => Ok(Previous::Same),
        Ok(_) => Ok(Previous::Other),
        Err(StoreError::NotFound { .. }) => Ok(Previous::None),
        Err(err) => Err(err),
    }
}
