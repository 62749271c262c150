//! [`Accounts`] on PostgreSQL. Access rules are decided here, in the same statement or
//! transaction as the read or write they guard; refusals of something that exists are written to
//! `audit_log` (see `starl_store::Accounts` for the contract).

use jiff::Timestamp;
use postgres::Row;
use starl_store::{
    story_questions, token_from_bytes, token_hash, Accounts, AuditEvent, Cohort, CohortCoverage, CohortId, Comment,
    Database, Invite, MemberCoverage, NewAuditEvent, NewInvite, NewShare, NewUser, Review, Role, Session, Share,
    ShareId, Store, StoreError, StoryAnalysis, User, UserId,
};

use crate::{be, get, in_transaction, stamp, word_list, Conn, PgDatabase};

/// 16 random bytes for a password's salt.
pub(crate) fn salt() -> Result<[u8; 16], StoreError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| StoreError::Backend(format!("no randomness: {e}")))?;
    Ok(b)
}

/// A fresh 256-bit token.
pub(crate) fn new_token() -> Result<String, StoreError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| StoreError::Backend(format!("no randomness: {e}")))?;
    Ok(token_from_bytes(&b))
}

/// The stored hash of an optional password.
pub(crate) fn password_hash(password: Option<&str>) -> Result<Option<String>, StoreError> {
    password.map(|p| starl_store::hash_password(p, &salt()?)).transpose()
}

const USER_COLUMNS: &str = "u.id, u.name, u.role, u.created";

fn role_of(s: &str) -> Result<Role, StoreError> {
    s.parse().map_err(|_| StoreError::Backend(format!("stored role `{s}` is not valid")))
}

/// A user from columns `at..at+4` ([`USER_COLUMNS`]).
fn user_at(r: &Row, at: usize) -> Result<User, StoreError> {
    Ok(User {
        id: get(r, at)?,
        name: get(r, at + 1)?,
        role: role_of(&get::<String>(r, at + 2)?)?,
        created: stamp(get(r, at + 3)?)?,
    })
}

const SHARE_SELECT: &str = "s.id, s.owner, o.name, s.story_id, s.reviewer, r.name, s.title, s.text, s.redacted, \
     s.created, s.revoked FROM shares s JOIN users o ON o.id = s.owner JOIN users r ON r.id = s.reviewer";

fn share_from_row(r: &Row) -> Result<Share, StoreError> {
    Ok(Share {
        id: get(r, 0)?,
        owner: get(r, 1)?,
        owner_name: get(r, 2)?,
        story_id: get(r, 3)?,
        reviewer: get(r, 4)?,
        reviewer_name: get(r, 5)?,
        title: get(r, 6)?,
        text: get(r, 7)?,
        redacted: get(r, 8)?,
        created: stamp(get(r, 9)?)?,
        revoked: get::<Option<i64>>(r, 10)?.map(stamp).transpose()?,
    })
}

fn invite_from_row(r: &Row) -> Result<Invite, StoreError> {
    Ok(Invite {
        id: get(r, 0)?,
        cohort: get(r, 1)?,
        role: role_of(&get::<String>(r, 2)?)?,
        created_by: get(r, 3)?,
        created: stamp(get(r, 4)?)?,
        expires: stamp(get(r, 5)?)?,
        used_by: get(r, 6)?,
        used_at: get::<Option<i64>>(r, 7)?.map(stamp).transpose()?,
    })
}

const INVITE_COLUMNS: &str = "id, cohort_id, role, created_by, created, expires, used_by, used_at";

fn cohort_from_row(r: &Row) -> Result<Cohort, StoreError> {
    Ok(Cohort { id: get(r, 0)?, name: get(r, 1)?, created: stamp(get(r, 2)?)? })
}

struct Q<'a> {
    c: &'a mut Conn,
    loc: &'a str,
}

impl Q<'_> {
    fn query(&mut self, sql: &str, p: crate::Params<'_>) -> Result<Vec<Row>, StoreError> {
        let st = self.c.statement(sql).map_err(|e| be(self.loc, e))?;
        self.c.query(&st, p).map_err(|e| be(self.loc, e))
    }
    fn opt(&mut self, sql: &str, p: crate::Params<'_>) -> Result<Option<Row>, StoreError> {
        let st = self.c.statement(sql).map_err(|e| be(self.loc, e))?;
        self.c.query_opt(&st, p).map_err(|e| be(self.loc, e))
    }
    fn exec(&mut self, sql: &str, p: crate::Params<'_>) -> Result<u64, StoreError> {
        let st = self.c.statement(sql).map_err(|e| be(self.loc, e))?;
        self.c.execute(&st, p).map_err(|e| be(self.loc, e))
    }

    fn user(&mut self, id: UserId) -> Result<User, StoreError> {
        let row = self.opt(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"), &[&id])?;
        row.map(|r| user_at(&r, 0)).transpose()?.ok_or(StoreError::NotFound { kind: "user", id })
    }

    fn insert_user(&mut self, user: &NewUser, hash: Option<&str>) -> Result<User, StoreError> {
        let name = starl_store::normalize_user_name(&user.name)?;
        if let Some(r) = self.opt("SELECT id FROM users WHERE name = $1", &[&name])? {
            return Err(StoreError::Conflict { kind: "user", id: get(&r, 0)? });
        }
        let created = starl_store::truncate(user.created).as_second();
        let row = self.opt(
            "INSERT INTO users (name, role, password_hash, created) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&name, &user.role.as_str(), &hash, &created],
        )?;
        let id: i64 = get(&row.ok_or_else(|| StoreError::Backend("no id returned".into()))?, 0)?;
        self.user(id)
    }

    fn share_row(&mut self, id: ShareId) -> Result<Option<Share>, StoreError> {
        self.opt(&format!("SELECT {SHARE_SELECT} WHERE s.id = $1"), &[&id])?.map(|r| share_from_row(&r)).transpose()
    }

    fn refuse(&mut self, actor: UserId, action: &str, target: String) -> Result<(), StoreError> {
        let at = Timestamp::now().as_second();
        self.exec(
            "INSERT INTO audit_log (at, actor, action, target) VALUES ($1, (SELECT id FROM users WHERE id = $2), $3, $4)",
            &[&at, &actor, &action, &target],
        )?;
        Ok(())
    }

    /// The share if `viewer` may see it (owner; reviewer while not revoked), else a logged refusal.
    fn visible_share(&mut self, viewer: UserId, id: ShareId, action: &str) -> Result<Share, StoreError> {
        let nf = StoreError::NotFound { kind: "share", id };
        let Some(share) = self.share_row(id)? else { return Err(nf) };
        if share.owner == viewer || (share.reviewer == viewer && share.revoked.is_none()) {
            return Ok(share);
        }
        self.refuse(viewer, action, format!("share {id}"))?;
        Err(nf)
    }

    fn reviews(&mut self, share: ShareId, only: Option<UserId>) -> Result<Vec<Review>, StoreError> {
        let rows = self.query(
            "SELECT id, share_id, reviewer, authenticity, learning, strengthen, created, updated FROM reviews \
             WHERE share_id = $1 AND ($2::bigint IS NULL OR reviewer = $2) ORDER BY id",
            &[&share, &only],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = get(&r, 0)?;
            let comments = self
                .query(
                    "SELECT start_byte, end_byte, quote, body FROM review_comments WHERE review_id = $1 ORDER BY pos",
                    &[&id],
                )?
                .iter()
                .map(|c| {
                    Ok(Comment {
                        start: get::<i64>(c, 0)? as usize,
                        end: get::<i64>(c, 1)? as usize,
                        quote: get(c, 2)?,
                        text: get(c, 3)?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            out.push(Review {
                id,
                share_id: get(&r, 1)?,
                reviewer: get(&r, 2)?,
                authenticity: get::<i16>(&r, 3)? as u8,
                learning: get::<i16>(&r, 4)? as u8,
                strengthen: get(&r, 5)?,
                comments,
                created: stamp(get(&r, 6)?)?,
                updated: stamp(get(&r, 7)?)?,
            });
        }
        Ok(out)
    }
}

impl PgDatabase {
    fn q<T>(&self, f: impl FnOnce(&mut Q<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        f(&mut Q { c: &mut conn, loc: &self.inner.location })
    }

    fn tx<T>(&self, f: impl FnOnce(&mut Q<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        let loc = self.inner.location.as_str();
        in_transaction(&mut conn, &mut 0, loc, None, |c| f(&mut Q { c, loc }))
    }
}

impl Accounts for PgDatabase {
    fn create_user(&mut self, user: &NewUser, password: Option<&str>) -> Result<User, StoreError> {
        let hash = password_hash(password)?;
        self.tx(|q| q.insert_user(user, hash.as_deref()))
    }

    fn user(&mut self, id: UserId) -> Result<User, StoreError> {
        self.q(|q| q.user(id))
    }

    fn user_by_name(&mut self, name: &str) -> Result<User, StoreError> {
        let name = starl_store::normalize_user_name(name)?;
        self.q(|q| {
            let row = q.opt(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.name = $1"), &[&name])?;
            row.map(|r| user_at(&r, 0)).transpose()?.ok_or(StoreError::NotFound { kind: "user", id: 0 })
        })
    }

    fn users(&mut self) -> Result<Vec<User>, StoreError> {
        self.q(|q| {
            q.query(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"), &[])?
                .iter()
                .map(|r| user_at(r, 0))
                .collect()
        })
    }

    fn set_role(&mut self, id: UserId, role: Role) -> Result<User, StoreError> {
        self.q(|q| {
            if q.exec("UPDATE users SET role = $2 WHERE id = $1", &[&id, &role.as_str()])? == 0 {
                return Err(StoreError::NotFound { kind: "user", id });
            }
            q.user(id)
        })
    }

    fn set_password(&mut self, id: UserId, password: Option<&str>) -> Result<(), StoreError> {
        let hash = password_hash(password)?;
        self.q(|q| match q.exec("UPDATE users SET password_hash = $2 WHERE id = $1", &[&id, &hash])? {
            0 => Err(StoreError::NotFound { kind: "user", id }),
            _ => Ok(()),
        })
    }

    fn check_password(&mut self, name: &str, password: &str) -> Result<Option<User>, StoreError> {
        let Ok(name) = starl_store::normalize_user_name(name) else {
            starl_store::verify_password(password, starl_store::dummy_password_hash());
            return Ok(None);
        };
        let found = self.q(|q| {
            let row =
                q.opt(&format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = $1"), &[&name])?;
            row.map(|r| Ok::<_, StoreError>((user_at(&r, 0)?, get::<Option<String>>(&r, 4)?))).transpose()
        })?;
        Ok(match found {
            Some((user, Some(hash))) => starl_store::verify_password(password, &hash).then_some(user),
            _ => {
                starl_store::verify_password(password, starl_store::dummy_password_hash());
                None
            }
        })
    }

    fn delete_user(&mut self, id: UserId) -> Result<(), StoreError> {
        self.tx(|q| match q.exec("DELETE FROM users WHERE id = $1", &[&id])? {
            0 => Err(StoreError::NotFound { kind: "user", id }),
            _ => Ok(()),
        })
    }

    fn create_session(
        &mut self,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(String, Session), StoreError> {
        let token = new_token()?;
        let (now, expires) = (starl_store::truncate(now), starl_store::truncate(expires));
        self.tx(|q| {
            let user = q.user(user)?;
            q.exec(
                "INSERT INTO sessions (token_hash, user_id, created, expires) VALUES ($1, $2, $3, $4)",
                &[&token_hash(&token), &user.id, &now.as_second(), &expires.as_second()],
            )?;
            Ok((token, Session { user, created: now, expires }))
        })
    }

    fn session(&mut self, token: &str, now: Timestamp) -> Result<Option<Session>, StoreError> {
        let hash = token_hash(token);
        self.q(|q| {
            let row = q.opt(
                &format!(
                    "SELECT s.created, s.expires, {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
                          WHERE s.token_hash = $1"
                ),
                &[&hash],
            )?;
            let Some(r) = row else { return Ok(None) };
            let expires: i64 = get(&r, 1)?;
            if expires <= now.as_second() {
                q.exec("DELETE FROM sessions WHERE token_hash = $1", &[&hash])?;
                return Ok(None);
            }
            Ok(Some(Session { user: user_at(&r, 2)?, created: stamp(get(&r, 0)?)?, expires: stamp(expires)? }))
        })
    }

    fn delete_session(&mut self, token: &str) -> Result<(), StoreError> {
        self.q(|q| q.exec("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash(token)]).map(drop))
    }

    fn delete_sessions(&mut self, user: UserId) -> Result<usize, StoreError> {
        self.q(|q| Ok(q.exec("DELETE FROM sessions WHERE user_id = $1", &[&user])? as usize))
    }

    fn create_cohort(&mut self, name: &str, created: Timestamp) -> Result<Cohort, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a cohort needs a name".into()));
        }
        self.tx(|q| {
            if let Some(r) = q.opt("SELECT id FROM cohorts WHERE name = $1", &[&name])? {
                return Err(StoreError::Conflict { kind: "cohort", id: get(&r, 0)? });
            }
            let r = q.opt(
                "INSERT INTO cohorts (name, created) VALUES ($1, $2) RETURNING id, name, created",
                &[&name, &starl_store::truncate(created).as_second()],
            )?;
            cohort_from_row(&r.ok_or_else(|| StoreError::Backend("no cohort returned".into()))?)
        })
    }

    fn cohort_by_name(&mut self, name: &str) -> Result<Cohort, StoreError> {
        self.q(|q| {
            let r = q.opt("SELECT id, name, created FROM cohorts WHERE name = $1", &[&name.trim()])?;
            r.map(|r| cohort_from_row(&r)).transpose()?.ok_or(StoreError::NotFound { kind: "cohort", id: 0 })
        })
    }

    fn cohorts(&mut self) -> Result<Vec<Cohort>, StoreError> {
        self.q(|q| {
            q.query("SELECT id, name, created FROM cohorts ORDER BY id", &[])?.iter().map(cohort_from_row).collect()
        })
    }

    fn add_member(&mut self, cohort: CohortId, user: UserId) -> Result<(), StoreError> {
        self.tx(|q| {
            q.user(user)?;
            if q.opt("SELECT 1 FROM cohorts WHERE id = $1", &[&cohort])?.is_none() {
                return Err(StoreError::NotFound { kind: "cohort", id: cohort });
            }
            q.exec(
                "INSERT INTO cohort_members (cohort_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&cohort, &user],
            )
            .map(drop)
        })
    }

    fn remove_member(&mut self, cohort: CohortId, user: UserId) -> Result<(), StoreError> {
        self.q(|q| {
            q.exec("DELETE FROM cohort_members WHERE cohort_id = $1 AND user_id = $2", &[&cohort, &user]).map(drop)
        })
    }

    fn members(&mut self, cohort: CohortId) -> Result<Vec<User>, StoreError> {
        self.q(|q| {
            q.query(
                &format!(
                    "SELECT {USER_COLUMNS} FROM cohort_members m JOIN users u ON u.id = m.user_id \
                          WHERE m.cohort_id = $1 ORDER BY u.id"
                ),
                &[&cohort],
            )?
            .iter()
            .map(|r| user_at(r, 0))
            .collect()
        })
    }

    fn cohorts_of(&mut self, user: UserId) -> Result<Vec<Cohort>, StoreError> {
        self.q(|q| {
            q.query(
                "SELECT c.id, c.name, c.created FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id \
                 WHERE m.user_id = $1 ORDER BY c.id",
                &[&user],
            )?
            .iter()
            .map(cohort_from_row)
            .collect()
        })
    }

    fn create_invite(&mut self, invite: &NewInvite) -> Result<(String, Invite), StoreError> {
        let token = new_token()?;
        self.tx(|q| {
            if let Some(c) = invite.cohort {
                if q.opt("SELECT 1 FROM cohorts WHERE id = $1", &[&c])?.is_none() {
                    return Err(StoreError::NotFound { kind: "cohort", id: c });
                }
            }
            let r = q.opt(
                &format!(
                    "INSERT INTO invites (token_hash, cohort_id, role, created_by, created, expires) \
                          VALUES ($1, $2, $3, $4, $5, $6) RETURNING {INVITE_COLUMNS}"
                ),
                &[
                    &token_hash(&token),
                    &invite.cohort,
                    &invite.role.as_str(),
                    &invite.created_by,
                    &starl_store::truncate(invite.created).as_second(),
                    &starl_store::truncate(invite.expires).as_second(),
                ],
            )?;
            Ok((token, invite_from_row(&r.ok_or_else(|| StoreError::Backend("no invite returned".into()))?)?))
        })
    }

    fn invite(&mut self, token: &str, now: Timestamp) -> Result<Option<Invite>, StoreError> {
        self.q(|q| {
            let r = q.opt(
                &format!(
                    "SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = $1 AND used_at IS NULL AND expires > $2"
                ),
                &[&token_hash(token), &now.as_second()],
            )?;
            r.map(|r| invite_from_row(&r)).transpose()
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
        self.tx(|q| {
            let r = q.opt(
                &format!("SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = $1 FOR UPDATE"),
                &[&token_hash(token)],
            )?;
            let invite = r.map(|r| invite_from_row(&r)).transpose()?;
            let Some(invite) = invite.filter(|i| i.used_at.is_none() && i.expires > now) else {
                return Err(StoreError::Invalid("this invite link is unknown, used or expired".into()));
            };
            let user =
                q.insert_user(&NewUser { name: name.into(), role: invite.role, created: now }, hash.as_deref())?;
            if let Some(c) = invite.cohort {
                q.exec("INSERT INTO cohort_members (cohort_id, user_id) VALUES ($1, $2)", &[&c, &user.id])?;
            }
            q.exec(
                "UPDATE invites SET used_by = $2, used_at = $3 WHERE id = $1",
                &[&invite.id, &user.id, &starl_store::truncate(now).as_second()],
            )?;
            Ok(user)
        })
    }

    fn create_share(&mut self, owner: UserId, share: &NewShare) -> Result<Share, StoreError> {
        self.tx(|q| {
            if q.opt("SELECT 1 FROM stories WHERE owner = $1 AND id = $2", &[&owner, &share.story_id])?.is_none() {
                return Err(StoreError::NotFound { kind: "story", id: share.story_id });
            }
            let reviewer = q.user(share.reviewer)?;
            if reviewer.id == owner || reviewer.role == Role::Admin {
                return Err(StoreError::Invalid(format!(
                    "a story is shared with a mentor or a peer, not {}",
                    reviewer.name
                )));
            }
            let peers = q.opt(
                "SELECT 1 FROM cohort_members a JOIN cohort_members b ON a.cohort_id = b.cohort_id \
                 WHERE a.user_id = $1 AND b.user_id = $2",
                &[&owner, &reviewer.id],
            )?;
            if peers.is_none() {
                return Err(StoreError::Forbidden(format!("{} is not in a cohort of yours", reviewer.name)));
            }
            let r = q.opt(
                "INSERT INTO shares (owner, story_id, reviewer, title, text, redacted, created) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &owner,
                    &share.story_id,
                    &reviewer.id,
                    &share.title.trim(),
                    &share.text,
                    &share.redacted,
                    &starl_store::truncate(share.created).as_second(),
                ],
            )?;
            let id: i64 = get(&r.ok_or_else(|| StoreError::Backend("no share returned".into()))?, 0)?;
            q.share_row(id)?.ok_or(StoreError::NotFound { kind: "share", id })
        })
    }

    fn revoke_share(&mut self, owner: UserId, id: ShareId, at: Timestamp) -> Result<(), StoreError> {
        self.q(|q| {
            let n = q.exec(
                "UPDATE shares SET revoked = coalesce(revoked, $3), text = '' WHERE id = $1 AND owner = $2",
                &[&id, &owner, &starl_store::truncate(at).as_second()],
            )?;
            if n == 0 {
                if q.share_row(id)?.is_some() {
                    q.refuse(owner, "share.revoke", format!("share {id}"))?;
                }
                return Err(StoreError::NotFound { kind: "share", id });
            }
            Ok(())
        })
    }

    fn share(&mut self, viewer: UserId, id: ShareId) -> Result<Share, StoreError> {
        self.q(|q| q.visible_share(viewer, id, "share.read"))
    }

    fn shares_by(&mut self, owner: UserId) -> Result<Vec<Share>, StoreError> {
        self.q(|q| {
            q.query(&format!("SELECT {SHARE_SELECT} WHERE s.owner = $1 ORDER BY s.id DESC"), &[&owner])?
                .iter()
                .map(share_from_row)
                .collect()
        })
    }

    fn shares_for(&mut self, reviewer: UserId) -> Result<Vec<Share>, StoreError> {
        self.q(|q| {
            q.query(
                &format!("SELECT {SHARE_SELECT} WHERE s.reviewer = $1 AND s.revoked IS NULL ORDER BY s.id DESC"),
                &[&reviewer],
            )?
            .iter()
            .map(share_from_row)
            .collect()
        })
    }

    fn save_review(&mut self, reviewer: UserId, review: &Review) -> Result<Review, StoreError> {
        self.tx(|q| {
            let id = review.share_id;
            let share = q
                .opt(&format!("SELECT {SHARE_SELECT} WHERE s.id = $1 FOR UPDATE OF s"), &[&id])?
                .map(|r| share_from_row(&r))
                .transpose()?;
            let Some(share) = share.filter(|s| s.reviewer == reviewer && s.revoked.is_none()) else {
                return Err(StoreError::NotFound { kind: "share", id });
            };
            let mut r = review.clone();
            r.normalize(&share.text)?;
            let row = q.opt(
                "INSERT INTO reviews (share_id, reviewer, authenticity, learning, strengthen, created, updated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (share_id, reviewer) DO UPDATE SET \
                 authenticity = excluded.authenticity, learning = excluded.learning, \
                 strengthen = excluded.strengthen, updated = excluded.updated RETURNING id",
                &[
                    &id,
                    &reviewer,
                    &i16::from(r.authenticity),
                    &i16::from(r.learning),
                    &r.strengthen,
                    &r.created.as_second(),
                    &r.updated.as_second(),
                ],
            )?;
            let rid: i64 = get(&row.ok_or_else(|| StoreError::Backend("no review returned".into()))?, 0)?;
            q.exec("DELETE FROM review_comments WHERE review_id = $1", &[&rid])?;
            for (pos, c) in r.comments.iter().enumerate() {
                q.exec(
                    "INSERT INTO review_comments (review_id, pos, start_byte, end_byte, quote, body) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&rid, &(pos as i32), &(c.start as i64), &(c.end as i64), &c.quote, &c.text],
                )?;
            }
            q.reviews(id, Some(reviewer))?.pop().ok_or(StoreError::NotFound { kind: "review", id: rid })
        })
        .or_else(|e| {
            if matches!(e, StoreError::NotFound { kind: "share", .. }) {
                // Logged outside the rolled-back transaction.
                self.q(|q| {
                    if q.share_row(review.share_id)?.is_some() {
                        q.refuse(reviewer, "review.save", format!("share {}", review.share_id))?;
                    }
                    Ok(())
                })?;
            }
            Err(e)
        })
    }

    fn reviews(&mut self, viewer: UserId, share: ShareId) -> Result<Vec<Review>, StoreError> {
        self.q(|q| {
            let s = q.visible_share(viewer, share, "review.read")?;
            q.reviews(share, (s.owner != viewer).then_some(viewer))
        })
    }

    fn cohort_coverage(
        &mut self,
        viewer: UserId,
        cohort: CohortId,
        since: Timestamp,
    ) -> Result<CohortCoverage, StoreError> {
        self.q(|q| {
            let c = q.opt("SELECT id, name, created FROM cohorts WHERE id = $1", &[&cohort])?;
            let cohort = c.map(|r| cohort_from_row(&r)).transpose()?.ok_or(StoreError::NotFound { kind: "cohort", id: cohort })?;
            let who = q.user(viewer)?;
            let member = q
                .opt("SELECT 1 FROM cohort_members WHERE cohort_id = $1 AND user_id = $2", &[&cohort.id, &viewer])?
                .is_some();
            if !(who.role == Role::Admin || (who.role == Role::Mentor && member)) {
                q.refuse(viewer, "cohort.coverage", format!("cohort {}", cohort.id))?;
                return Err(StoreError::Forbidden("the coverage of a cohort is for its mentors".into()));
            }
            let users: Vec<User> = q
                .query(
                    &format!("SELECT {USER_COLUMNS} FROM cohort_members m JOIN users u ON u.id = m.user_id \
                              WHERE m.cohort_id = $1 ORDER BY u.name"),
                    &[&cohort.id],
                )?
                .iter()
                .map(|r| user_at(r, 0))
                .collect::<Result<_, _>>()?;
            let mut members = Vec::with_capacity(users.len());
            for u in users {
                let mut m = MemberCoverage { user: u.id, name: u.name, ..Default::default() };
                let stories = q.query(
                    "SELECT (SELECT string_agg(x.question, ' ') FROM story_questions x \
                             WHERE x.owner = s.owner AND x.story_id = s.id AND x.pinned), \
                            (SELECT string_agg(x.question, ' ') FROM story_questions x \
                             WHERE x.owner = s.owner AND x.story_id = s.id AND NOT x.pinned), \
                            a.category, a.fits \
                     FROM stories s LEFT JOIN story_analyses a ON a.owner = s.owner AND a.story_id = s.id \
                     WHERE s.owner = $1 AND s.ready",
                    &[&u.id],
                )?;
                for r in &stories {
                    m.ready_stories += 1;
                    let category: Option<String> = get(r, 2)?;
                    let analysis = category.clone().map(|category| StoryAnalysis {
                        key: String::new(),
                        score: 0,
                        category,
                        fits: word_list(get(r, 3).ok().flatten()),
                    });
                    for question in story_questions(&word_list(get(r, 0)?), &word_list(get(r, 1)?), analysis.as_ref()) {
                        *m.by_question.entry(question).or_default() += 1;
                    }
                    if let Some(c) = category {
                        *m.by_category.entry(c).or_default() += 1;
                    }
                }
                let a = q.query(
                    "SELECT count(*) FILTER (WHERE created >= $2), max(created) FROM practice_attempts WHERE owner = $1",
                    &[&u.id, &since.as_second()],
                )?;
                if let Some(r) = a.first() {
                    m.attempts_since = get::<i64>(r, 0)? as usize;
                    m.last_attempt = get::<Option<i64>>(r, 1)?.map(stamp).transpose()?;
                }
                members.push(m);
            }
            Ok(CohortCoverage { cohort, since: starl_store::truncate(since), members })
        })
    }

    fn record_refusal(&mut self, event: &NewAuditEvent) -> Result<(), StoreError> {
        self.q(|q| {
            q.exec(
                "INSERT INTO audit_log (at, actor, action, target) \
                 VALUES ($1, (SELECT id FROM users WHERE id = $2), $3, $4)",
                &[&event.at.as_second(), &event.actor, &event.action, &event.target],
            )
            .map(drop)
        })
    }

    fn audit_log(&mut self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        self.q(|q| {
            q.query(
                "SELECT id, at, actor, action, target FROM audit_log ORDER BY id DESC LIMIT $1",
                &[&(limit.min(i64::MAX as usize) as i64)],
            )?
            .iter()
            .map(|r| {
                Ok(AuditEvent {
                    id: get(r, 0)?,
                    at: stamp(get(r, 1)?)?,
                    actor: get(r, 2)?,
                    action: get(r, 3)?,
                    target: get(r, 4)?,
                })
            })
            .collect()
        })
    }
}

impl Database for PgDatabase {
    fn store(&self, user: UserId) -> Result<Box<dyn Store + Send>, StoreError> {
        Ok(Box::new(PgDatabase::store(self, user)?))
    }

    fn accounts(&self) -> Result<Box<dyn Accounts + Send>, StoreError> {
        Ok(Box::new(self.clone()))
    }
}
