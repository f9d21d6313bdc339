//! The journal read as activity, for people rather than auditors: one sentence per event, « Julien Dupont
//! (France Travail) a commenté la section « Synthèse AFOM » du diagnostic « … » », linking to its object,
//! without field diffs. As everywhere the journal is read, people and objects are named at read time
//! (the journal holds no name): the actor under the account's current name with its organisation or
//! Maison, the object under its current title; an object gone falls back to the event's summary.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::WHO_JOIN;
use crate::web::format;

/// One event as a sentence.
pub struct Activity {
    pub at: String,
    pub at_iso: String,
    /// « Julien Dupont (France Travail) a commenté la section « Synthèse AFOM » du diagnostic « … » ».
    pub sentence: String,
    /// What the event's summary adds when the verb alone says little (« Plan « … » : soumis au comité de
    /// pilotage »); none when the sentence says it all.
    pub detail: Option<String>,
    /// The object's page, while it exists.
    pub href: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    at: DateTime<Utc>,
    account_id: Option<i64>,
    who: Option<String>,
    affiliation: Option<String>,
    object_type: String,
    action: String,
    summary: String,
    label: Option<String>,
    href: Option<String>,
}

/// The object of the event `e` as a sentence names it (`t.label`), with its page (`t.href`).
const TARGET_JOIN: &str = "left join lateral (
        select case when s.id is not null
                    then 'la section « ' || s.title || ' » du diagnostic « ' || d.title || ' »'
                    else 'le diagnostic « ' || d.title || ' »' end,
               '/diagnostics/' || d.id || '#commentaire-' || x.id
          from comment x join diagnostic d on d.id = x.diagnostic_id
          left join diagnostic_section s on s.id = x.section_id
         where e.object_type = 'comment' and x.id = e.object_id
        union all
        select 'le diagnostic « ' || x.title || ' »', '/diagnostics/' || x.id from diagnostic x
         where e.object_type = 'diagnostic' and x.id = e.object_id
        union all
        select 'le plan « ' || x.title || ' »', '/plans/' || x.id from plan x
         where e.object_type = 'plan' and x.id = e.object_id
        union all
        select 'la fiche action n° ' || x.number || ' « ' || x.title || ' »', '/actions/' || x.id from action x
         where e.object_type = 'action' and x.id = e.object_id
        union all
        select 'la Maison « ' || x.name || ' »', '/maisons/' || x.id from maison x
         where e.object_type = 'maison' and x.id = e.object_id
        union all
        select 'l''organisation « ' || x.name || ' »', '/organisations/' || x.id from organisation x
         where e.object_type = 'organisation' and x.id = e.object_id
        union all
        select 'le compte de ' || x.name, '/comptes/' || x.id from account x
         where e.object_type = 'account' and x.id = e.object_id
        union all
        select 'l''indicateur « ' || x.label || ' »', '/indicateurs' from indicator x
         where e.object_type = 'indicator' and x.id = e.object_id
        union all
        select 'la réunion du comité de pilotage du ' || to_char(x.held_on, 'DD/MM/YYYY'), '/copil/' || x.id
          from copil_meeting x
         where e.object_type = 'copil_meeting' and x.id = e.object_id
    ) t(label, href) on true";

/// The verb of an event, and whether the sentence needs the summary beside it to be understood.
fn verb(object_type: &str, action: &str) -> Option<(&'static str, bool)> {
    Some(match (object_type, action) {
        ("comment", "creation") => ("a commenté", false),
        ("comment", "reponse") => ("a répondu à un commentaire sur", true),
        ("comment", "modification") => ("a modifié son commentaire sur", false),
        ("comment", "masquage") => ("a masqué un commentaire sur", false),
        ("copil_meeting", "creation") => ("a enregistré", false),
        (_, "creation") => ("a créé", false),
        (_, "modification") => ("a modifié", false),
        ("diagnostic", "partage" | "partage_modifie") => ("a partagé", true),
        ("diagnostic", "validation") => ("a enregistré la validation par le copil du", true),
        ("diagnostic", "archivage") => ("a archivé", false),
        ("diagnostic", "section") => ("a travaillé une section du", true),
        ("diagnostic", "indicateur") => ("a mis à jour les indicateurs du", true),
        ("diagnostic", "document") => ("a mis à jour les documents du", true),
        ("plan", "transition") => ("a fait avancer", true),
        ("plan", "avis_reseau") => ("a donné l'avis du réseau sur", true),
        ("action", "transition") => ("a changé le statut de", true),
        ("action", "avancement") => ("a mis à jour l'avancement de", true),
        ("action", "note") => ("a ajouté une note de suivi à", false),
        ("action", "resultats") => ("a saisi les résultats de", false),
        _ => return None,
    })
}

impl From<Row> for Activity {
    fn from(r: Row) -> Self {
        let mut who = super::who_label(r.account_id, r.who);
        if let Some(a) = r.affiliation.filter(|a| !a.is_empty()) {
            who = format!("{who} ({a})");
        }
        let (sentence, detail) = match (verb(&r.object_type, &r.action), &r.label) {
            (Some((verb, needs_summary)), Some(label)) => (
                format!("{who} {verb} {label}"),
                needs_summary.then_some(r.summary),
            ),
            _ => (format!("{who} : {}", r.summary), None),
        };
        Activity {
            at: format::datetime(r.at),
            at_iso: format::iso_datetime(r.at),
            sentence,
            detail,
            href: r.label.and(r.href),
        }
    }
}

/// The latest `limit` events of Maison `maison_id` (every Maison's: `None`) as sentences, newest first;
/// sign-ins and sign-outs left out.
pub async fn recent(
    conn: &mut PgConnection,
    maison_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Activity>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select e.at, e.account_id, a.name as who,
                case a.role when 'admin' then 'Alliance Villes Emploi' when 'staff' then am.name
                            else ao.name end as affiliation,
                e.object_type, e.action, e.summary, t.label, t.href
         from (select * from event
               where ($1::bigint is null or maison_id = $1) and action not in ('connexion', 'deconnexion')
               order by at desc, id desc limit $2) e
         {WHO_JOIN}
         left join maison am on am.id = a.maison_id
         left join organisation ao on ao.id = a.organisation_id
         {TARGET_JOIN}
         order by e.at desc, e.id desc"
    ))
    .persistent(false)
    .bind(maison_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Activity::from).collect())
}

#[cfg(test)]
mod tests {
    use super::verb;

    #[test]
    fn a_comment_reads_as_a_comment_and_an_unknown_action_as_its_summary() {
        assert_eq!(verb("comment", "creation"), Some(("a commenté", false)));
        assert_eq!(verb("plan", "creation"), Some(("a créé", false)));
        assert_eq!(verb("maison", "partenariat_ajout"), None);
    }
}
