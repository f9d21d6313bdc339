//! Who is told of a new comment or of a reply.

use crate::auth::CurrentUser;
use crate::diagnostics::Diagnostic;
use crate::notifications;

/// A new thread: the Maison's staff are told (the author excepted).
pub(super) async fn notify_comment(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    d: &Diagnostic,
    link: &str,
) -> sqlx::Result<()> {
    let staff: Vec<i64> = notifications::staff_of_maison(tx, d.maison_id)
        .await?
        .into_iter()
        .filter(|a| *a != user.id)
        .collect();
    notifications::notify(
        tx,
        &staff,
        crate::notifications::Kind::Commentaire,
        &format!("{} a commenté le diagnostic « {} ».", user.name, d.title),
        link,
    )
    .await
}

/// A reply is one event of its thread, told once to each person concerned: the root's author, those who
/// already wrote in the thread, and the Maison's staff when the reply comes from outside the Maison (its
/// own staff replying is the Maison answering: their colleagues are not told again).
pub(super) async fn notify_reply(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    d: &Diagnostic,
    root: i64,
    reply: i64,
    link: &str,
) -> sqlx::Result<()> {
    let (root_author, root_author_name): (i64, String) = sqlx::query_as(
        "select c.author_id, a.name from comment c join account a on a.id = c.author_id where c.id = $1",
    )
    .bind(root)
    .fetch_one(&mut *tx)
    .await?;
    let repliers: Vec<i64> = sqlx::query_scalar(
        "select distinct author_id from comment
         where parent_id = $1 and id <> $2 and deleted_at is null and author_id <> $3",
    )
    .bind(root)
    .bind(reply)
    .bind(user.id)
    .fetch_all(&mut *tx)
    .await?;
    let mut told: Vec<i64> = vec![user.id];
    if root_author != user.id {
        notifications::notify(
            tx,
            &[root_author],
            crate::notifications::Kind::Reponse,
            &format!(
                "{} a répondu à votre commentaire sur « {} ».",
                user.name, d.title
            ),
            link,
        )
        .await?;
        told.push(root_author);
    }
    let participants: Vec<i64> = repliers.into_iter().filter(|a| !told.contains(a)).collect();
    notifications::notify(
        tx,
        &participants,
        crate::notifications::Kind::Reponse,
        &format!(
            "{} a répondu dans une discussion à laquelle vous avez participé sur « {} ».",
            user.name, d.title
        ),
        link,
    )
    .await?;
    told.extend(participants);
    if !user.is_staff_of(d.maison_id) {
        let staff: Vec<i64> = notifications::staff_of_maison(tx, d.maison_id)
            .await?
            .into_iter()
            .filter(|a| !told.contains(a))
            .collect();
        notifications::notify(
            tx,
            &staff,
            crate::notifications::Kind::Reponse,
            &format!(
                "{} a répondu au commentaire de {} sur le diagnostic « {} ».",
                user.name, root_author_name, d.title
            ),
            link,
        )
        .await?;
    }
    Ok(())
}
