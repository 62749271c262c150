//! [`Accounts`] on the SQLite file (the same contract and tables as the PostgreSQL store), and
//! [`SqliteDatabase`], the multi-user [`Database`] a server opens handles from.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Row};
use starl_store::{
    story_questions, token_from_bytes, token_hash, Accounts, AuditEvent, Cohort, CohortCoverage, CohortId, Comment,
    Database, Invite, MemberCoverage, NewAuditEvent, NewInvite, NewShare, NewUser, Review, Role, Session, Share,
    ShareId, Store, StoreError, StoryAnalysis, User, UserId,
};

use crate::{backend, stamp, words, SqliteStore};

/// A multi-user database on one SQLite file: each [`Database::store`] or
/// [`Database::accounts`] call opens its own connection (SQLite connections are cheap, and WAL
/// lets readers and a writer work at once).
#[derive(Debug, Clone)]
pub struct SqliteDatabase {
    path: PathBuf,
}

impl SqliteDatabase {
    /// Open (creating and migrating if need be) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteDatabase, StoreError> {
        SqliteStore::open(path)?;
        Ok(SqliteDatabase { path: path.to_owned() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Database for SqliteDatabase {
    fn store(&self, user: UserId) -> Result<Box<dyn Store + Send>, StoreError> {
        Ok(Box::new(SqliteStore::open_as(&self.path, user)?))
    }

    fn accounts(&self) -> Result<Box<dyn Accounts + Send>, StoreError> {
        Ok(Box::new(SqliteStore::open(&self.path)?))
    }
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Backend(format!("no randomness: {e}")))?;
    Ok(b)
}

fn password_hash(password: Option<&str>) -> Result<Option<String>, StoreError> {
    password.map(|p| starl_store::hash_password(p, &random::<16>()?)).transpose()
}

fn role(s: String) -> rusqlite::Result<Role> {
    s.parse().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("role `{s}`").into())
    })
}

const USER_COLUMNS: &str = "u.id, u.name, u.role, u.created";

fn user_at(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User { id: r.get(at)?, name: r.get(at + 1)?, role: role(r.get(at + 2)?)?, created: stamp(r.get(at + 3)?)? })
}

const SHARE_SELECT: &str = "s.id, s.owner, o.name, s.story_id, s.reviewer, r.name, s.title, s.text, s.redacted, \
     s.created, s.revoked FROM shares s JOIN users o ON o.id = s.owner JOIN users r ON r.id = s.reviewer";

fn share_from_row(r: &Row<'_>) -> rusqlite::Result<Share> {
    Ok(Share {
        id: r.get(0)?,
        owner: r.get(1)?,
        owner_name: r.get(2)?,
        story_id: r.get(3)?,
        reviewer: r.get(4)?,
        reviewer_name: r.get(5)?,
        title: r.get(6)?,
        text: r.get(7)?,
        redacted: r.get(8)?,
        created: stamp(r.get(9)?)?,
        revoked: r.get::<_, Option<i64>>(10)?.map(stamp).transpose()?,
    })
}

const INVITE_COLUMNS: &str = "id, cohort_id, role, created_by, created, expires, used_by, used_at";

fn invite_from_row(r: &Row<'_>) -> rusqlite::Result<Invite> {
    Ok(Invite {
        id: r.get(0)?,
        cohort: r.get(1)?,
        role: role(r.get(2)?)?,
        created_by: r.get(3)?,
        created: stamp(r.get(4)?)?,
        expires: stamp(r.get(5)?)?,
        used_by: r.get(6)?,
        used_at: r.get::<_, Option<i64>>(7)?.map(stamp).transpose()?,
    })
}

fn cohort_from_row(r: &Row<'_>) -> rusqlite::Result<Cohort> {
    Ok(Cohort { id: r.get(0)?, name: r.get(1)?, created: stamp(r.get(2)?)? })
}

fn load_user(c: &Connection, loc: &str, id: UserId) -> Result<User, StoreError> {
    c.query_row(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"), [id], |r| user_at(r, 0))
        .optional()
        .map_err(backend(loc))?
        .ok_or(StoreError::NotFound { kind: "user", id })
}

fn insert_user(c: &Connection, loc: &str, user: &NewUser, hash: Option<&str>) -> Result<User, StoreError> {
    let name = starl_store::normalize_user_name(&user.name)?;
    let taken: Option<i64> =
        c.query_row("SELECT id FROM users WHERE name = ?1", [&name], |r| r.get(0)).optional().map_err(backend(loc))?;
    if let Some(id) = taken {
        return Err(StoreError::Conflict { kind: "user", id });
    }
    c.execute(
        "INSERT INTO users (name, role, password_hash, created) VALUES (?1, ?2, ?3, ?4)",
        params![name, user.role.as_str(), hash, starl_store::truncate(user.created).as_second()],
    )
    .map_err(backend(loc))?;
    load_user(c, loc, c.last_insert_rowid())
}

fn share_row(c: &Connection, loc: &str, id: ShareId) -> Result<Option<Share>, StoreError> {
    c.query_row(&format!("SELECT {SHARE_SELECT} WHERE s.id = ?1"), [id], share_from_row)
        .optional()
        .map_err(backend(loc))
}

fn load_reviews(c: &Connection, loc: &str, share: ShareId, only: Option<UserId>) -> Result<Vec<Review>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT id, share_id, reviewer, authenticity, learning, strengthen, created, updated FROM reviews \
             WHERE share_id = ?1 AND (?2 IS NULL OR reviewer = ?2) ORDER BY id",
        )
        .map_err(backend(loc))?;
    let rows = st
        .query_map(params![share, only], |r| {
            Ok(Review {
                id: r.get(0)?,
                share_id: r.get(1)?,
                reviewer: r.get(2)?,
                authenticity: r.get(3)?,
                learning: r.get(4)?,
                strengthen: r.get(5)?,
                comments: Vec::new(),
                created: stamp(r.get(6)?)?,
                updated: stamp(r.get(7)?)?,
            })
        })
        .map_err(backend(loc))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend(loc))?;
    let mut out = rows;
    let mut st = c
        .prepare_cached(
            "SELECT start_byte, end_byte, quote, body FROM review_comments WHERE review_id = ?1 ORDER BY pos",
        )
        .map_err(backend(loc))?;
    for r in &mut out {
        r.comments = st
            .query_map([r.id], |c| {
                Ok(Comment {
                    start: c.get::<_, i64>(0)? as usize,
                    end: c.get::<_, i64>(1)? as usize,
                    quote: c.get(2)?,
                    text: c.get(3)?,
                })
            })
            .map_err(backend(loc))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(backend(loc))?;
    }
    Ok(out)
}

fn cohort_exists(c: &Connection, loc: &str, id: CohortId) -> Result<bool, StoreError> {
    c.prepare_cached("SELECT 1 FROM cohorts WHERE id = ?1").and_then(|mut s| s.exists([id])).map_err(backend(loc))
}

impl SqliteStore {
    /// Write a refusal to the audit log and answer `err`.
    fn refused(&mut self, actor: UserId, action: &str, target: String, err: StoreError) -> StoreError {
        let logged = self.write(|c, loc| {
            c.execute(
                "INSERT INTO audit_log (at, actor, action, target) VALUES (?1, (SELECT id FROM users WHERE id = ?2), ?3, ?4)",
                params![Timestamp::now().as_second(), actor, action, target],
            )
            .map(drop)
            .map_err(backend(loc))
        });
        match logged {
            Ok(()) => err,
            Err(e) => e,
        }
    }

    /// The share if `viewer` may see it (its owner; its reviewer while not revoked).
    fn visible_share(&mut self, viewer: UserId, id: ShareId, action: &str) -> Result<Share, StoreError> {
        let nf = StoreError::NotFound { kind: "share", id };
        let Some(share) = self.read(|c, loc| share_row(c, loc, id))? else { return Err(nf) };
        if share.owner == viewer || (share.reviewer == viewer && share.revoked.is_none()) {
            return Ok(share);
        }
        Err(self.refused(viewer, action, format!("share {id}"), nf))
    }
}

impl Accounts for SqliteStore {
    fn create_user(&mut self, user: &NewUser, password: Option<&str>) -> Result<User, StoreError> {
        let hash = password_hash(password)?;
        self.write(|c, loc| insert_user(c, loc, user, hash.as_deref()))
    }

    fn user(&mut self, id: UserId) -> Result<User, StoreError> {
        self.read(|c, loc| load_user(c, loc, id))
    }

    fn user_by_name(&mut self, name: &str) -> Result<User, StoreError> {
        let name = starl_store::normalize_user_name(name)?;
        self.read(|c, loc| {
            c.query_row(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.name = ?1"), [&name], |r| user_at(r, 0))
                .optional()
                .map_err(backend(loc))?
                .ok_or(StoreError::NotFound { kind: "user", id: 0 })
        })
    }

    fn users(&mut self) -> Result<Vec<User>, StoreError> {
        self.read(|c, loc| {
            let mut st =
                c.prepare(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id")).map_err(backend(loc))?;
            let rows = st.query_map([], |r| user_at(r, 0)).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn set_role(&mut self, id: UserId, role: Role) -> Result<User, StoreError> {
        self.write(|c, loc| {
            if c.execute("UPDATE users SET role = ?2 WHERE id = ?1", params![id, role.as_str()])
                .map_err(backend(loc))?
                == 0
            {
                return Err(StoreError::NotFound { kind: "user", id });
            }
            load_user(c, loc, id)
        })
    }

    fn set_password(&mut self, id: UserId, password: Option<&str>) -> Result<(), StoreError> {
        let hash = password_hash(password)?;
        self.write(|c, loc| {
            match c
                .execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![id, hash])
                .map_err(backend(loc))?
            {
                0 => Err(StoreError::NotFound { kind: "user", id }),
                _ => Ok(()),
            }
        })
    }

    fn check_password(&mut self, name: &str, password: &str) -> Result<Option<User>, StoreError> {
        let found = match starl_store::normalize_user_name(name) {
            Ok(name) => self.read(|c, loc| {
                c.query_row(
                    &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = ?1"),
                    [&name],
                    |r| Ok((user_at(r, 0)?, r.get::<_, Option<String>>(4)?)),
                )
                .optional()
                .map_err(backend(loc))
            })?,
            Err(_) => None,
        };
        Ok(match found {
            Some((user, Some(hash))) => starl_store::verify_password(password, &hash).then_some(user),
            _ => {
                starl_store::verify_password(password, starl_store::dummy_password_hash());
                None
            }
        })
    }

    fn delete_user(&mut self, id: UserId) -> Result<(), StoreError> {
        self.write(|c, loc| {
            let err = backend(loc);
            load_user(c, loc, id)?;
            // The journal: the full-text rows first (they are keyed by the entries' sort keys),
            // then the records; tags, follow-ups, pins, analyses, feedback and shares of the
            // stories go with them by their foreign keys.
            c.execute("DELETE FROM entries_fts WHERE rowid IN (SELECT k FROM entries WHERE owner = ?1)", [id])
                .map_err(&err)?;
            for table in ["practice_attempts", "feedback", "stories", "entries"] {
                c.execute(&format!("DELETE FROM {table} WHERE owner = ?1"), [id]).map_err(&err)?;
            }
            // Sessions, memberships, shares made or received, reviews written: by cascade.
            c.execute("DELETE FROM users WHERE id = ?1", [id]).map_err(&err)?;
            Ok(())
        })
    }

    fn create_session(
        &mut self,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(String, Session), StoreError> {
        let token = token_from_bytes(&random::<32>()?);
        let (now, expires) = (starl_store::truncate(now), starl_store::truncate(expires));
        self.write(|c, loc| {
            let user = load_user(c, loc, user)?;
            c.execute(
                "INSERT INTO sessions (token_hash, user_id, created, expires) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash(&token), user.id, now.as_second(), expires.as_second()],
            )
            .map_err(backend(loc))?;
            Ok((token, Session { user, created: now, expires }))
        })
    }

    fn session(&mut self, token: &str, now: Timestamp) -> Result<Option<Session>, StoreError> {
        let hash = token_hash(token);
        let found = self.read(|c, loc| {
            c.prepare_cached(&format!(
                "SELECT s.created, s.expires, {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = ?1"
            ))
            .and_then(|mut st| {
                st.query_row([&hash], |r| {
                    Ok(Session { user: user_at(r, 2)?, created: stamp(r.get(0)?)?, expires: stamp(r.get(1)?)? })
                })
                .optional()
            })
            .map_err(backend(loc))
        })?;
        match found {
            Some(s) if s.expires <= now => {
                self.write(|c, loc| {
                    c.execute("DELETE FROM sessions WHERE token_hash = ?1", [&hash]).map_err(backend(loc))
                })?;
                Ok(None)
            }
            s => Ok(s),
        }
    }

    fn delete_session(&mut self, token: &str) -> Result<(), StoreError> {
        let hash = token_hash(token);
        self.write(|c, loc| {
            c.execute("DELETE FROM sessions WHERE token_hash = ?1", [&hash]).map(drop).map_err(backend(loc))
        })
    }

    fn delete_sessions(&mut self, user: UserId) -> Result<usize, StoreError> {
        self.write(|c, loc| c.execute("DELETE FROM sessions WHERE user_id = ?1", [user]).map_err(backend(loc)))
    }

    fn create_cohort(&mut self, name: &str, created: Timestamp) -> Result<Cohort, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a cohort needs a name".into()));
        }
        self.write(|c, loc| {
            let taken: Option<i64> = c
                .query_row("SELECT id FROM cohorts WHERE name = ?1", [name], |r| r.get(0))
                .optional()
                .map_err(backend(loc))?;
            if let Some(id) = taken {
                return Err(StoreError::Conflict { kind: "cohort", id });
            }
            c.execute(
                "INSERT INTO cohorts (name, created) VALUES (?1, ?2)",
                params![name, starl_store::truncate(created).as_second()],
            )
            .map_err(backend(loc))?;
            c.query_row("SELECT id, name, created FROM cohorts WHERE id = ?1", [c.last_insert_rowid()], cohort_from_row)
                .map_err(backend(loc))
        })
    }

    fn cohort_by_name(&mut self, name: &str) -> Result<Cohort, StoreError> {
        self.read(|c, loc| {
            c.query_row("SELECT id, name, created FROM cohorts WHERE name = ?1", [name.trim()], cohort_from_row)
                .optional()
                .map_err(backend(loc))?
                .ok_or(StoreError::NotFound { kind: "cohort", id: 0 })
        })
    }

    fn cohorts(&mut self) -> Result<Vec<Cohort>, StoreError> {
        self.read(|c, loc| {
            let mut st = c.prepare("SELECT id, name, created FROM cohorts ORDER BY id").map_err(backend(loc))?;
            let rows = st.query_map([], cohort_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn add_member(&mut self, cohort: CohortId, user: UserId) -> Result<(), StoreError> {
        self.write(|c, loc| {
            load_user(c, loc, user)?;
            if !cohort_exists(c, loc, cohort)? {
                return Err(StoreError::NotFound { kind: "cohort", id: cohort });
            }
            c.execute("INSERT OR IGNORE INTO cohort_members (cohort_id, user_id) VALUES (?1, ?2)", [cohort, user])
                .map(drop)
                .map_err(backend(loc))
        })
    }

    fn remove_member(&mut self, cohort: CohortId, user: UserId) -> Result<(), StoreError> {
        self.write(|c, loc| {
            c.execute("DELETE FROM cohort_members WHERE cohort_id = ?1 AND user_id = ?2", [cohort, user])
                .map(drop)
                .map_err(backend(loc))
        })
    }

    fn members(&mut self, cohort: CohortId) -> Result<Vec<User>, StoreError> {
        self.read(|c, loc| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {USER_COLUMNS} FROM cohort_members m JOIN users u ON u.id = m.user_id \
                     WHERE m.cohort_id = ?1 ORDER BY u.id"
                ))
                .map_err(backend(loc))?;
            let rows = st.query_map([cohort], |r| user_at(r, 0)).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn cohorts_of(&mut self, user: UserId) -> Result<Vec<Cohort>, StoreError> {
        self.read(|c, loc| {
            let mut st = c
                .prepare(
                    "SELECT c.id, c.name, c.created FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id \
                     WHERE m.user_id = ?1 ORDER BY c.id",
                )
                .map_err(backend(loc))?;
            let rows = st.query_map([user], cohort_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn create_invite(&mut self, invite: &NewInvite) -> Result<(String, Invite), StoreError> {
        let token = token_from_bytes(&random::<32>()?);
        self.write(|c, loc| {
            if let Some(id) = invite.cohort {
                if !cohort_exists(c, loc, id)? {
                    return Err(StoreError::NotFound { kind: "cohort", id });
                }
            }
            c.execute(
                "INSERT INTO invites (token_hash, cohort_id, role, created_by, created, expires) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    token_hash(&token),
                    invite.cohort,
                    invite.role.as_str(),
                    invite.created_by,
                    starl_store::truncate(invite.created).as_second(),
                    starl_store::truncate(invite.expires).as_second(),
                ],
            )
            .map_err(backend(loc))?;
            let inv = c
                .query_row(
                    &format!("SELECT {INVITE_COLUMNS} FROM invites WHERE id = ?1"),
                    [c.last_insert_rowid()],
                    invite_from_row,
                )
                .map_err(backend(loc))?;
            Ok((token, inv))
        })
    }

    fn invite(&mut self, token: &str, now: Timestamp) -> Result<Option<Invite>, StoreError> {
        self.read(|c, loc| {
            c.query_row(
                &format!(
                    "SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = ?1 AND used_at IS NULL AND expires > ?2"
                ),
                params![token_hash(token), now.as_second()],
                invite_from_row,
            )
            .optional()
            .map_err(backend(loc))
        })
    }

    fn redeem_invite(
        &mut self,
        token: &str,
        name: &str,
        password: Option<&str>,
        now: Timestamp,
    ) -> Result<User, StoreError> {
        let hash = password_hash(password)?;
        self.write(|c, loc| {
            let invite = c
                .query_row(
                    &format!("SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = ?1"),
                    [token_hash(token)],
                    invite_from_row,
                )
                .optional()
                .map_err(backend(loc))?;
            let Some(invite) = invite.filter(|i| i.used_at.is_none() && i.expires > now) else {
                return Err(StoreError::Invalid("this invite link is unknown, used or expired".into()));
            };
            let user =
                insert_user(c, loc, &NewUser { name: name.into(), role: invite.role, created: now }, hash.as_deref())?;
            if let Some(cohort) = invite.cohort {
                c.execute("INSERT INTO cohort_members (cohort_id, user_id) VALUES (?1, ?2)", [cohort, user.id])
                    .map_err(backend(loc))?;
            }
            c.execute(
                "UPDATE invites SET used_by = ?2, used_at = ?3 WHERE id = ?1",
                params![invite.id, user.id, starl_store::truncate(now).as_second()],
            )
            .map_err(backend(loc))?;
            Ok(user)
        })
    }

    fn create_share(&mut self, owner: UserId, share: &NewShare) -> Result<Share, StoreError> {
        self.write(|c, loc| {
            if !crate::exists(c, loc, owner, "stories", share.story_id)? {
                return Err(StoreError::NotFound { kind: "story", id: share.story_id });
            }
            let reviewer = load_user(c, loc, share.reviewer)?;
            if reviewer.id == owner || reviewer.role == Role::Admin {
                return Err(StoreError::Invalid(format!(
                    "a story is shared with a mentor or a peer, not {}",
                    reviewer.name
                )));
            }
            let peers = c
                .prepare_cached(
                    "SELECT 1 FROM cohort_members a JOIN cohort_members b ON a.cohort_id = b.cohort_id \
                     WHERE a.user_id = ?1 AND b.user_id = ?2",
                )
                .and_then(|mut st| st.exists([owner, reviewer.id]))
                .map_err(backend(loc))?;
            if !peers {
                return Err(StoreError::Forbidden(format!("{} is not in a cohort of yours", reviewer.name)));
            }
            c.execute(
                "INSERT INTO shares (owner, story_id, reviewer, title, text, redacted, created) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    owner,
                    share.story_id,
                    reviewer.id,
                    share.title.trim(),
                    share.text,
                    share.redacted,
                    starl_store::truncate(share.created).as_second()
                ],
            )
            .map_err(backend(loc))?;
            let id = c.last_insert_rowid();
            share_row(c, loc, id)?.ok_or(StoreError::NotFound { kind: "share", id })
        })
    }

    fn revoke_share(&mut self, owner: UserId, id: ShareId, at: Timestamp) -> Result<(), StoreError> {
        let n = self.write(|c, loc| {
            c.execute(
                "UPDATE shares SET revoked = coalesce(revoked, ?3), text = '' WHERE id = ?1 AND owner = ?2",
                params![id, owner, starl_store::truncate(at).as_second()],
            )
            .map_err(backend(loc))
        })?;
        if n > 0 {
            return Ok(());
        }
        let nf = StoreError::NotFound { kind: "share", id };
        if self.read(|c, loc| share_row(c, loc, id))?.is_some() {
            return Err(self.refused(owner, "share.revoke", format!("share {id}"), nf));
        }
        Err(nf)
    }

    fn share(&mut self, viewer: UserId, id: ShareId) -> Result<Share, StoreError> {
        self.visible_share(viewer, id, "share.read")
    }

    fn shares_by(&mut self, owner: UserId) -> Result<Vec<Share>, StoreError> {
        self.read(|c, loc| {
            let mut st = c
                .prepare(&format!("SELECT {SHARE_SELECT} WHERE s.owner = ?1 ORDER BY s.id DESC"))
                .map_err(backend(loc))?;
            let rows = st.query_map([owner], share_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn shares_for(&mut self, reviewer: UserId) -> Result<Vec<Share>, StoreError> {
        self.read(|c, loc| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {SHARE_SELECT} WHERE s.reviewer = ?1 AND s.revoked IS NULL ORDER BY s.id DESC"
                ))
                .map_err(backend(loc))?;
            let rows = st.query_map([reviewer], share_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn save_review(&mut self, reviewer: UserId, review: &Review) -> Result<Review, StoreError> {
        let id = review.share_id;
        let result = self.write(|c, loc| {
            let share = share_row(c, loc, id)?;
            let Some(share) = share.filter(|s| s.reviewer == reviewer && s.revoked.is_none()) else {
                return Err(StoreError::NotFound { kind: "share", id });
            };
            let mut r = review.clone();
            r.normalize(&share.text)?;
            c.execute(
                "INSERT INTO reviews (share_id, reviewer, authenticity, learning, strengthen, created, updated) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (share_id, reviewer) DO UPDATE SET \
                 authenticity = excluded.authenticity, learning = excluded.learning, \
                 strengthen = excluded.strengthen, updated = excluded.updated",
                params![
                    id,
                    reviewer,
                    r.authenticity,
                    r.learning,
                    r.strengthen,
                    r.created.as_second(),
                    r.updated.as_second()
                ],
            )
            .map_err(backend(loc))?;
            let rid: i64 = c
                .query_row("SELECT id FROM reviews WHERE share_id = ?1 AND reviewer = ?2", [id, reviewer], |r| r.get(0))
                .map_err(backend(loc))?;
            c.execute("DELETE FROM review_comments WHERE review_id = ?1", [rid]).map_err(backend(loc))?;
            for (pos, cm) in r.comments.iter().enumerate() {
                c.execute(
                    "INSERT INTO review_comments (review_id, pos, start_byte, end_byte, quote, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![rid, pos as i64, cm.start as i64, cm.end as i64, cm.quote, cm.text],
                )
                .map_err(backend(loc))?;
            }
            load_reviews(c, loc, id, Some(reviewer))?.pop().ok_or(StoreError::NotFound { kind: "review", id: rid })
        });
        match result {
            Err(e @ StoreError::NotFound { kind: "share", .. }) => {
                if self.read(|c, loc| share_row(c, loc, id))?.is_some() {
                    return Err(self.refused(reviewer, "review.save", format!("share {id}"), e));
                }
                Err(e)
            }
            r => r,
        }
    }

    fn reviews(&mut self, viewer: UserId, share: ShareId) -> Result<Vec<Review>, StoreError> {
        let s = self.visible_share(viewer, share, "review.read")?;
        self.read(|c, loc| load_reviews(c, loc, share, (s.owner != viewer).then_some(viewer)))
    }

    fn cohort_coverage(
        &mut self,
        viewer: UserId,
        cohort: CohortId,
        since: Timestamp,
    ) -> Result<CohortCoverage, StoreError> {
        let allowed = self.read(|c, loc| {
            let found = c
                .query_row("SELECT id, name, created FROM cohorts WHERE id = ?1", [cohort], cohort_from_row)
                .optional()
                .map_err(backend(loc))?;
            let found = found.ok_or(StoreError::NotFound { kind: "cohort", id: cohort })?;
            let who = load_user(c, loc, viewer)?;
            let member = c
                .prepare_cached("SELECT 1 FROM cohort_members WHERE cohort_id = ?1 AND user_id = ?2")
                .and_then(|mut st| st.exists([cohort, viewer]))
                .map_err(backend(loc))?;
            Ok((found, who.role == Role::Admin || (who.role == Role::Mentor && member)))
        })?;
        let (found, ok) = allowed;
        if !ok {
            let e = StoreError::Forbidden("the coverage of a cohort is for its mentors".into());
            return Err(self.refused(viewer, "cohort.coverage", format!("cohort {cohort}"), e));
        }
        self.read(|c, loc| {
            let err = backend(loc);
            let mut st = c
                .prepare(&format!(
                    "SELECT {USER_COLUMNS} FROM cohort_members m JOIN users u ON u.id = m.user_id \
                     WHERE m.cohort_id = ?1 ORDER BY u.name"
                ))
                .map_err(&err)?;
            let users = st
                .query_map([cohort], |r| user_at(r, 0))
                .map_err(&err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(&err)?;
            let mut stories = c
                .prepare(
                    "SELECT (SELECT group_concat(x.question, ' ') FROM story_questions x \
                             WHERE x.story_id = s.id AND x.pinned = 1), \
                            (SELECT group_concat(x.question, ' ') FROM story_questions x \
                             WHERE x.story_id = s.id AND x.pinned = 0), \
                            a.category, a.fits \
                     FROM stories s LEFT JOIN story_analyses a ON a.story_id = s.id \
                     WHERE s.owner = ?1 AND s.ready = 1",
                )
                .map_err(&err)?;
            let mut attempts = c
                .prepare(
                    "SELECT count(CASE WHEN created >= ?2 THEN 1 END), max(created) FROM practice_attempts \
                     WHERE owner = ?1",
                )
                .map_err(&err)?;
            let mut members = Vec::with_capacity(users.len());
            for u in users {
                let mut m = MemberCoverage { user: u.id, name: u.name, ..Default::default() };
                let rows = stories
                    .query_map([u.id], |r| {
                        Ok((words(r.get(0)?), words(r.get(1)?), r.get::<_, Option<String>>(2)?, words(r.get(3)?)))
                    })
                    .map_err(&err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(&err)?;
                for (pinned, unpinned, category, fits) in rows {
                    m.ready_stories += 1;
                    let analysis =
                        category.clone().map(|category| StoryAnalysis { key: String::new(), score: 0, category, fits });
                    for q in story_questions(&pinned, &unpinned, analysis.as_ref()) {
                        *m.by_question.entry(q).or_default() += 1;
                    }
                    if let Some(c) = category {
                        *m.by_category.entry(c).or_default() += 1;
                    }
                }
                let (n, last): (i64, Option<i64>) = attempts
                    .query_row(params![u.id, since.as_second()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(&err)?;
                m.attempts_since = n as usize;
                m.last_attempt = last.map(stamp).transpose().map_err(&err)?;
                members.push(m);
            }
            Ok(CohortCoverage { cohort: found, since: starl_store::truncate(since), members })
        })
    }

    fn record_refusal(&mut self, event: &NewAuditEvent) -> Result<(), StoreError> {
        self.write(|c, loc| {
            c.execute(
                "INSERT INTO audit_log (at, actor, action, target) VALUES (?1, (SELECT id FROM users WHERE id = ?2), ?3, ?4)",
                params![event.at.as_second(), event.actor, event.action, event.target],
            )
            .map(drop)
            .map_err(backend(loc))
        })
    }

    fn audit_log(&mut self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        self.read(|c, loc| {
            let mut st = c
                .prepare("SELECT id, at, actor, action, target FROM audit_log ORDER BY id DESC LIMIT ?1")
                .map_err(backend(loc))?;
            let rows = st
                .query_map([limit.min(i64::MAX as usize) as i64], |r| {
                    Ok(AuditEvent {
                        id: r.get(0)?,
                        at: stamp(r.get(1)?)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        target: r.get(4)?,
                    })
                })
                .map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }
}
