//! What the export holds: one `Spec` per table (file, sheet, README line, statement), in the archive's
//! order.

use super::labels::*;

/// One table of the export: its file name (without extension), its sheet and its README line, and the
/// statement that reads it (`$1` is the Maison's id). Column names are the French headers; a header
/// ending in « (€) » over a `bigint` is an amount in cents. `labels` turns the codes of a column into
/// their French labels.
pub(super) struct Spec {
    pub file: &'static str,
    pub sheet: &'static str,
    pub about: &'static str,
    pub sql: &'static str,
    pub labels: Labels,
}

/// For some headers, the function giving the French label of a code.
pub(super) type Labels = &'static [(&'static str, fn(&str) -> String)];

pub(super) const SPECS: &[Spec] = &[
    Spec {
        file: "maison",
        sheet: "Maison",
        about: "l'identité de la Maison : forme juridique, adresse, contacts, gouvernance, convention, \
                démarche Grenelle et phase actuelle",
        sql: r#"select m.id as "N°", m.name as "Nom", m.legal_form as "Forme juridique",
                       r.name as "Région", d.name as "Département", m.address as "Adresse",
                       m.postal_code as "Code postal", m.city as "Commune", m.website as "Site web",
                       m.email as "Courriel", m.phone as "Téléphone", m.president as "Président ou présidente",
                       m.director as "Directeur ou directrice", m.convention_date as "Date de la convention",
                       m.conventionnee as "Conventionnée", m.grenelle_year as "Année d'entrée Grenelle",
                       m.grenelle_pilot as "Pilote Grenelle", ph.phase as "Phase",
                       m.created_at as "Créée le", m.updated_at as "Modifiée le"
                from maison m
                join region r on r.code = m.region_code
                join departement d on d.code = m.departement_code
                left join maison_phase ph on ph.maison_id = m.id
                where m.id = $1"#,
        labels: &[("Forme juridique", legal_form), ("Phase", phase)],
    },
    Spec {
        file: "territoire",
        sheet: "Territoire",
        about: "le territoire : les intercommunalités (EPCI) couvertes, avec leur population",
        sql: r#"select e.siren as "SIREN", e.name as "Intercommunalité (EPCI)", e.kind as "Nature",
                       e.population as "Population", e.commune_count as "Communes",
                       array_to_string(e.departement_codes, ', ') as "Départements"
                from maison_epci me join epci e on e.siren = me.epci_siren
                where me.maison_id = $1
                order by e.name, e.siren"#,
        labels: &[],
    },
    Spec {
        file: "partenariats",
        sheet: "Partenariats",
        about: "les partenariats : une ligne par organisation partenaire, ses rôles dans la Maison et ses \
                coordonnées",
        sql: r#"select p.id as "N° du partenariat", o.id as "N° de l'organisation", o.name as "Organisation",
                       t.name as "Type d'organisation", o.siret as "SIRET", p.roles as "Rôles",
                       p.since as "Partenaire depuis", p.note as "Note", o.address as "Adresse",
                       o.website as "Site web", o.email as "Courriel", o.phone as "Téléphone",
                       p.created_at as "Créé le", p.updated_at as "Modifié le"
                from partnership p
                join organisation o on o.id = p.organisation_id
                join partner_type t on t.code = o.type_code
                where p.maison_id = $1
                order by o.name, p.id"#,
        labels: &[],
    },
    Spec {
        file: "contacts",
        sheet: "Contacts",
        about: "les personnes à contacter chez chaque partenaire",
        sql: r#"select c.id as "N°", p.id as "N° du partenariat", o.name as "Organisation", c.name as "Nom",
                       c.job_title as "Fonction", c.email as "Courriel", c.phone as "Téléphone",
                       c.created_at as "Ajouté le"
                from partnership_contact c
                join partnership p on p.id = c.partnership_id
                join organisation o on o.id = p.organisation_id
                where p.maison_id = $1
                order by o.name, c.name, c.id"#,
        labels: &[],
    },
    Spec {
        file: "personnes",
        sheet: "Personnes",
        about: "les comptes de l'équipe de la Maison sur le portail (ni mot de passe ni lien de connexion)",
        sql: r#"select a.id as "N°", a.name as "Nom", a.email as "Courriel",
                       a.responsable as "Responsable des comptes", a.active as "Actif",
                       a.password_hash is not null as "Mot de passe choisi",
                       a.last_login_at as "Dernière connexion", a.created_at as "Créé le"
                from account a
                where a.maison_id = $1
                order by a.name, a.id"#,
        labels: &[],
    },
    Spec {
        file: "diagnostics",
        sheet: "Diagnostics",
        about: "les diagnostics territoriaux : statut, filières étudiées, organisations avec lesquelles \
                ils sont partagés, validation",
        sql: r#"select d.id as "N°", d.title as "Titre", d.reference_year as "Année de référence",
                       d.status as "Statut", d.previous_id as "Nouvelle version du n°",
                       (select string_agg(s.name, ', ' order by s.position)
                        from diagnostic_sector ds join sector s on s.code = ds.sector_code
                        where ds.diagnostic_id = d.id) as "Filières",
                       (select string_agg(o.name, ', ' order by o.name)
                        from diagnostic_share sh join organisation o on o.id = sh.organisation_id
                        where sh.diagnostic_id = d.id) as "Partagé avec",
                       d.validated_on as "Validé le", d.copil_decision as "Décision du comité de pilotage",
                       a.name as "Créé par", d.created_at as "Créé le", d.updated_at as "Modifié le"
                from diagnostic d left join account a on a.id = d.created_by
                where d.maison_id = $1
                order by d.reference_year, d.id"#,
        labels: &[("Statut", diagnostic_status)],
    },
    Spec {
        file: "sections",
        sheet: "Sections",
        about: "le texte des diagnostics, section par section (en Markdown)",
        sql: r#"select s.id as "N°", s.diagnostic_id as "N° du diagnostic", d.title as "Diagnostic",
                       s.position as "Ordre", s.kind as "Type", s.title as "Titre",
                       s.body as "Texte (Markdown)", s.revision as "Révision", a.name as "Modifiée par",
                       s.updated_at as "Modifiée le"
                from diagnostic_section s
                join diagnostic d on d.id = s.diagnostic_id
                left join account a on a.id = s.updated_by
                where d.maison_id = $1
                order by d.reference_year, d.id, s.position, s.id"#,
        labels: &[("Type", section_kind)],
    },
    Spec {
        file: "commentaires",
        sheet: "Commentaires",
        about: "les commentaires des partenaires et de l'équipe sur les diagnostics, avec les réponses de \
                la Maison (l'état d'un fil est celui de son premier commentaire)",
        sql: r#"select c.id as "N°", c.diagnostic_id as "N° du diagnostic", s.title as "Section",
                       c.parent_id as "En réponse au n°", au.name as "Auteur",
                       o.name as "Organisation de l'auteur", c.body as "Commentaire",
                       case when c.parent_id is null then c.status end as "État du fil",
                       c.answer as "Réponse de la Maison", an.name as "Réponse par",
                       c.answered_at as "Réponse le", c.created_at as "Écrit le", c.edited_at as "Modifié le",
                       c.hidden_at as "Masqué le", hb.name as "Masqué par"
                from comment c
                join diagnostic d on d.id = c.diagnostic_id
                left join diagnostic_section s on s.id = c.section_id
                join account au on au.id = c.author_id
                left join organisation o on o.id = au.organisation_id
                left join account an on an.id = c.answered_by
                left join account hb on hb.id = c.hidden_by
                where d.maison_id = $1 and c.deleted_at is null
                order by c.diagnostic_id, c.created_at, c.id"#,
        labels: &[("État du fil", comment_status)],
    },
    Spec {
        file: "valeurs-indicateurs",
        sheet: "Valeurs d'indicateurs",
        about: "les valeurs des indicateurs relevées dans les diagnostics, avec leur source et leur point \
                de comparaison",
        sql: r#"select v.id as "N°", v.diagnostic_id as "N° du diagnostic", i.code as "Code",
                       i.label as "Indicateur", i.theme as "Thème", i.unit as "Unité", v.value as "Valeur",
                       v.year as "Année", v.territory as "Territoire", v.source as "Source",
                       v.comparison_level as "Niveau de comparaison",
                       v.comparison_value as "Valeur de comparaison", v.updated_at as "Modifiée le"
                from indicator_value v
                join diagnostic d on d.id = v.diagnostic_id
                join indicator i on i.id = v.indicator_id
                where d.maison_id = $1
                order by v.diagnostic_id, i.theme, i.label, v.year, v.id"#,
        labels: &[("Niveau de comparaison", comparison_level)],
    },
    Spec {
        file: "plans",
        sheet: "Plans",
        about: "les plans d'actions Grenelle : période, statut, diagnostic dont ils découlent, révision et \
                évaluation",
        sql: r#"select p.id as "N°", p.title as "Titre", p.start_year as "Première année",
                       p.end_year as "Dernière année", p.charter as "Cahier des charges", p.status as "Statut",
                       p.diagnostic_id as "N° du diagnostic", dg.title as "Diagnostic",
                       p.previous_id as "Nouvelle version du n°", p.revision_reason as "Motif de la révision",
                       p.evaluation as "Évaluation", a.name as "Créé par", p.created_at as "Créé le",
                       p.updated_at as "Modifié le"
                from plan p
                left join diagnostic dg on dg.id = p.diagnostic_id
                left join account a on a.id = p.created_by
                where p.maison_id = $1
                order by p.start_year, p.id"#,
        labels: &[("Statut", plan_status)],
    },
    Spec {
        file: "decisions-copil",
        sheet: "Décisions du copil",
        about: "les décisions du comité de pilotage sur les plans",
        sql: r#"select c.id as "N°", c.plan_id as "N° du plan", p.title as "Plan",
                       c.decided_on as "Date de la décision", c.decision as "Décision",
                       c.members_present as "Membres présents", c.minutes as "Compte rendu",
                       a.name as "Enregistrée par", c.recorded_at as "Enregistrée le"
                from copil_decision c
                join plan p on p.id = c.plan_id
                left join account a on a.id = c.recorded_by
                where p.maison_id = $1
                order by c.plan_id, c.decided_on, c.id"#,
        labels: &[("Décision", copil_decision)],
    },
    Spec {
        file: "reunions-copil",
        sheet: "Réunions du copil",
        about: "les réunions du comité de pilotage, auxquelles se rattachent les validations et les décisions",
        sql: r#"select m.id as "N°", m.held_on as "Date", m.place as "Lieu",
                       array_to_string(array(select o.name from copil_meeting_member x
                                             join organisation o on o.id = x.organisation_id
                                             where x.meeting_id = m.id order by o.name), ', ')
                           as "Partenaires présents",
                       m.other_members as "Autres présents", m.minutes as "Compte rendu",
                       a.name as "Enregistrée par", m.created_at as "Enregistrée le"
                from copil_meeting m
                left join account a on a.id = m.created_by
                where m.maison_id = $1
                order by m.held_on, m.id"#,
        labels: &[],
    },
    Spec {
        file: "avis-reseau",
        sheet: "Avis du réseau",
        about: "les avis de l'Alliance Villes Emploi sur les plans",
        sql: r#"select r.id as "N°", r.plan_id as "N° du plan", p.title as "Plan", r.opinion as "Avis",
                       r.remarks as "Remarques", a.name as "Par", r.created_at as "Le"
                from network_review r
                join plan p on p.id = r.plan_id
                left join account a on a.id = r.account_id
                where p.maison_id = $1
                order by r.plan_id, r.created_at, r.id"#,
        labels: &[("Avis", opinion)],
    },
    Spec {
        file: "fiches-actions",
        sheet: "Fiches actions",
        about: "les fiches actions des plans, champ par champ (axe, filière, pilote, partenaires, \
                calendrier, statut, avancement)",
        sql: r#"select ac.id as "N°", ac.plan_id as "N° du plan", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Intitulé", ax.number as "Axe",
                       ax.short_title as "Intitulé de l'axe", s.name as "Filière",
                       ac.objectives as "Objectifs", ac.description as "Description",
                       ac.target_public as "Public visé", ac.expected_results as "Résultats attendus",
                       ac.pilot_maison as "Pilotée par la Maison",
                       case when ac.pilot_maison then pm.name else po.name end as "Pilote",
                       ra.name as "Référent", coalesce(pra.name, pc.name) as "Référent chez le pilote",
                       (select string_agg(o.name || case when ap.role <> '' then ' (' || ap.role || ')' else '' end,
                                          ', ' order by o.name)
                        from action_partner ap join organisation o on o.id = ap.organisation_id
                        where ap.action_id = ac.id) as "Partenaires",
                       ac.start_date as "Date de début", ac.end_date as "Date de fin",
                       ac.priority as "Priorité", ac.status as "Statut", ac.progress as "Avancement (%)",
                       ac.abandon_reason as "Motif d'abandon", ac.created_at as "Créée le",
                       ac.updated_at as "Modifiée le"
                from action ac
                join plan p on p.id = ac.plan_id
                join maison pm on pm.id = p.maison_id
                join axis ax on ax.id = ac.axis_id
                left join sector s on s.code = ac.sector_code
                left join organisation po on po.id = ac.pilot_organisation_id
                left join account ra on ra.id = ac.referent_account_id
                left join account pra on pra.id = ac.pilot_referent_account_id
                left join partnership_contact pc on pc.id = ac.pilot_contact_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number"#,
        labels: &[("Priorité", priority), ("Statut", action_status)],
    },
    Spec {
        file: "financements",
        sheet: "Financements",
        about: "le budget des fiches actions : une ligne par financement, acquis ou sollicité",
        sql: r#"select f.id as "N°", ac.id as "N° de la fiche (identifiant)", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Fiche", f.funder as "Financeur",
                       f.organisation_id as "N° de l'organisation du financeur",
                       o.name as "Organisation du financeur", f.amount_cents as "Montant (€)",
                       f.state as "État"
                from action_funding f
                join action ac on ac.id = f.action_id
                join plan p on p.id = ac.plan_id
                left join organisation o on o.id = f.organisation_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number, f.position, f.id"#,
        labels: &[("État", funding_state)],
    },
    Spec {
        file: "indicateurs-fiches",
        sheet: "Indicateurs des fiches",
        about: "les indicateurs de suivi des fiches actions : cible et réalisé",
        sql: r#"select i.id as "N°", ac.id as "N° de la fiche (identifiant)", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Fiche",
                       coalesce(c.label, i.label) as "Indicateur", coalesce(c.unit, i.unit) as "Unité",
                       c.code as "Code du catalogue", i.target as "Cible", i.achieved as "Réalisé",
                       i.year as "Année"
                from action_indicator i
                join action ac on ac.id = i.action_id
                join plan p on p.id = ac.plan_id
                left join indicator c on c.id = i.indicator_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number, i.position, i.id"#,
        labels: &[],
    },
    Spec {
        file: "suivi-fiches",
        sheet: "Suivi des fiches",
        about: "les notes de suivi des fiches actions",
        sql: r#"select n.id as "N°", ac.id as "N° de la fiche (identifiant)", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Fiche", n.noted_on as "Date",
                       a.name as "Auteur", n.body as "Note", n.progress as "Avancement (%)",
                       n.created_at as "Écrite le"
                from action_note n
                join action ac on ac.id = n.action_id
                join plan p on p.id = ac.plan_id
                left join account a on a.id = n.author_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number, n.noted_on, n.id"#,
        labels: &[],
    },
    Spec {
        file: "etapes",
        sheet: "Étapes",
        about: "les changements de statut des diagnostics, des plans et des fiches actions (qui, quand, \
                de quel statut à quel autre)",
        sql: r#"select t.at as "Date", t.object_type as "Objet", t.object_id as "N° de l'objet",
                       coalesce(d.title, p.title, ac.title) as "Intitulé",
                       t.object_type || ':' || coalesce(t.from_status, '') as "Statut avant",
                       t.object_type || ':' || t.to_status as "Statut après", a.name as "Par",
                       t.comment as "Commentaire"
                from transition t
                left join diagnostic d on t.object_type = 'diagnostic' and d.id = t.object_id
                left join plan p on t.object_type = 'plan' and p.id = t.object_id
                left join action ac on t.object_type = 'action' and ac.id = t.object_id
                left join plan ap on ap.id = ac.plan_id
                left join account a on a.id = t.account_id
                where coalesce(d.maison_id, p.maison_id, ap.maison_id) = $1
                order by t.at, t.id"#,
        labels: &[
            ("Objet", object_type),
            ("Statut avant", transition_status),
            ("Statut après", transition_status),
        ],
    },
    Spec {
        file: "journal",
        sheet: "Journal",
        about: "le journal de la Maison : chaque écriture qui la concerne, qui l'a faite, quand, et ce qui \
                a changé",
        sql: r#"select e.id as "N°", e.at as "Date",
                       coalesce(a.name, 'aucun compte (système ou ligne de commande)') as "Par",
                       a.email as "Courriel", e.object_type as "Objet", e.object_id as "N° de l'objet",
                       e.summary as "Résumé",
                       event_changes_shown(e.changes) as "Modifications"
                from event e left join account a on a.id = e.account_id
                where e.maison_id = $1
                order by e.at, e.id"#,
        labels: &[("Objet", object_type), ("Modifications", changes)],
    },
];
