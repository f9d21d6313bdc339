//! Demo library of practices (issue 18): about forty evaluated actions of the pilots and the Grenelle
//! Maisons (FEEBAT trainings, clauses d'insertion run by a facilitateur, GPECT bâtiment, rénovation
//! énergétique, forum des métiers verts, mobilité…) proposed to the network, most accepted by AVE, a few
//! remarquables, some still waiting, sent back or declined, and some taken up in other Maisons' draft plans.
//! Territory types follow the real territory: urbain or rural by population, littoral and montagne only
//! where the territory's main town is on the coast or in a massif. Deterministic.

use sqlx::PgConnection;

use super::Network;
use crate::domain::practice as codes;

/// What a Maison learnt from one kind of action: (title, publics, what worked, difficulties, conditions,
/// cost per beneficiary in euros when it means something).
type Lesson = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
);

const LESSONS: &[Lesson] = &[
    (
        "Formations FEEBAT",
        &["artisans", "entreprises"],
        "Des sessions de deux jours le lundi et le vendredi, au plus près des chantiers, relayées par la CAPEB et la FFB.",
        "Des artisans difficiles à libérer en pleine saison ; des annulations de dernière minute.",
        "Un organisme de formation agréé FEEBAT sur le territoire et le relais des fédérations professionnelles.",
        Some(450),
    ),
    (
        "Clauses d'insertion",
        &["insertion", "demandeurs_emploi", "entreprises"],
        "Un facilitateur unique pour tous les maîtres d'ouvrage, qui rédige les clauses et suit les heures chantier par chantier.",
        "Des entreprises attributaires qui découvrent la clause au démarrage du chantier.",
        "Un engagement écrit des maîtres d'ouvrage publics et un poste de facilitateur financé sur plusieurs années.",
        Some(1200),
    ),
    (
        "GPECT bâtiment",
        &["entreprises", "salaries"],
        "Un diagnostic partagé avec les OPCO et les fédérations, puis un plan de formation par métier en tension.",
        "Des données d'emploi par métier difficiles à obtenir à l'échelle du bassin.",
        "Un comité de pilotage où siègent Constructys, la CAPEB, la FFB et France Travail.",
        None,
    ),
    (
        "Accompagnement à la qualification RGE",
        &["artisans", "entreprises"],
        "Un accompagnement individuel au dossier de qualification et un regroupement des audits.",
        "Le coût de la qualification freine les très petites entreprises.",
        "Une aide au financement de l'audit et un conseiller de la chambre de métiers disponible.",
        Some(800),
    ),
    (
        "Forum des métiers verts",
        &["jeunes", "demandeurs_emploi", "scolaires"],
        "Des démonstrations de gestes professionnels sur les stands et des entretiens sur place avec les employeurs.",
        "Une faible venue des employeurs de l'éolien et du photovoltaïque.",
        "Une salle centrale accessible en transports en commun et des classes de collège inscrites à l'avance.",
        Some(35),
    ),
    (
        "Aide à la mobilité",
        &["demandeurs_emploi", "jeunes", "insertion"],
        "Une plateforme de mobilité qui prête des deux-roues et finance le permis pour les embauches sur chantier.",
        "Des chantiers en horaires décalés mal desservis par les transports.",
        "Un parc de véhicules mutualisé avec les structures d'insertion et une auto-école associative.",
        Some(650),
    ),
    (
        "Lutte contre la précarité énergétique",
        &["menages"],
        "Des visites à domicile par des ambassadeurs de l'efficacité énergétique, repérés par les CCAS.",
        "Des propriétaires bailleurs difficiles à convaincre de financer les travaux.",
        "Une plateforme de rénovation énergétique de l'habitat et le relais de l'ANAH.",
        Some(300),
    ),
    (
        "Égalité femmes-hommes",
        &["femmes", "demandeurs_emploi"],
        "Des immersions en entreprise de deux semaines et des marraines en poste sur les chantiers.",
        "Des vestiaires et des équipements inadaptés dans les petites entreprises.",
        "Des entreprises volontaires et un suivi dans les six mois après l'embauche.",
        Some(900),
    ),
    (
        "Adaptation de l'offre de formation",
        &["demandeurs_emploi", "salaries"],
        "Des modules courts sur la performance énergétique ajoutés aux titres professionnels existants.",
        "Des délais d'habilitation des nouveaux modules par la Région.",
        "Un dialogue régulier avec le Conseil régional et les organismes de formation du bassin.",
        None,
    ),
    (
        "Reconversion vers la filière éolienne",
        &["salaries", "demandeurs_emploi"],
        "Des parcours de reconversion construits avec les exploitants des parcs et un GEIQ.",
        "Peu de places de formation qualifiante à la maintenance éolienne dans la région.",
        "Des exploitants qui s'engagent à recruter à l'issue du parcours.",
        Some(4500),
    ),
    (
        "Chantiers d'insertion en espaces naturels",
        &["insertion", "jeunes"],
        "Des chantiers encadrés par un technicien de l'ONF et un accompagnement socioprofessionnel renforcé.",
        "Des chantiers saisonniers qui laissent les salariés sans activité l'hiver.",
        "Une structure d'insertion agréée et des commandes publiques pluriannuelles.",
        Some(3800),
    ),
    (
        "Appui RH aux TPE",
        &["entreprises"],
        "Un conseiller RH partagé qui aide à rédiger les offres et à accueillir les nouveaux salariés.",
        "Des dirigeants de TPE peu disponibles pour les rendez-vous.",
        "Un financement de l'OPCO et le relais de la chambre de métiers.",
        Some(600),
    ),
    (
        "Savoirs de base et langue",
        &["salaries", "insertion"],
        "Des ateliers sur le lieu de travail, avec le vocabulaire des chantiers.",
        "Des salariés réticents à reconnaître leurs difficultés à l'écrit.",
        "Un organisme spécialisé dans les savoirs de base et l'accord des employeurs.",
        Some(700),
    ),
    (
        "Garde d'enfants",
        &["femmes", "demandeurs_emploi"],
        "Des places réservées en crèche à horaires élargis pour les parents qui reprennent un emploi.",
        "Une demande concentrée sur les débuts de matinée.",
        "Une convention avec les crèches du territoire et la CAF.",
        Some(1500),
    ),
    (
        "Création d'activité dans le réemploi",
        &["demandeurs_emploi", "insertion"],
        "Un incubateur partagé avec la ressourcerie et un suivi de 18 mois des créateurs.",
        "Des débouchés commerciaux longs à trouver pour les matériaux de réemploi.",
        "Une ressourcerie active et des maîtres d'ouvrage prêts à acheter des matériaux de réemploi.",
        Some(2500),
    ),
];

/// The lesson of an action's title, by its opening words.
fn lesson(title: &str) -> Option<&'static Lesson> {
    LESSONS
        .iter()
        .find(|l| title.starts_with(l.0) || title.contains(l.0))
}

/// Main towns whose territory reaches the coast.
const COASTAL: &[&str] = &[
    "Bayonne",
    "Marseille",
    "Nice",
    "Toulon",
    "Montpellier",
    "Brest",
    "Lorient",
    "La Rochelle",
    "Le Havre",
    "Dunkerque",
    "Calais",
    "Boulogne-sur-Mer",
    "Saint-Nazaire",
    "Caen",
    "Cherbourg-en-Cotentin",
    "Saint-Malo",
    "Ajaccio",
    "Bastia",
    "Perpignan",
    "Sète",
    "Fort-de-France",
    "Les Abymes",
    "Pointe-à-Pitre",
    "Cayenne",
    "Saint-Denis",
    "Saint-Paul",
    "Vannes",
    "Quimper",
    "Saint-Brieuc",
];

/// Main towns whose territory reaches a massif (Alpes, Pyrénées, Massif central, Jura, Vosges, Corse, La
/// Réunion).
const MOUNTAIN: &[&str] = &[
    "Bayonne",
    "Grenoble",
    "Chambéry",
    "Annecy",
    "Clermont-Ferrand",
    "Saint-Étienne",
    "Nice",
    "Ajaccio",
    "Bastia",
    "Gap",
    "Tarbes",
    "Saint-Denis",
    "Saint-Paul",
    "Besançon",
    "Épinal",
];

/// The territory types of a Maison: urbain or rural by population, then littoral and montagne.
fn territory_types(city: &str, population: i64) -> Vec<&'static str> {
    let mut t = vec![if population >= 100_000 {
        "urbain"
    } else {
        "rural"
    }];
    if COASTAL.contains(&city) {
        t.push("littoral");
    }
    if MOUNTAIN.contains(&city) {
        t.push("montagne");
    }
    t
}

/// One evaluated action of a Grenelle Maison, with what the practice needs.
#[derive(sqlx::FromRow)]
struct Candidate {
    action_id: i64,
    maison_id: i64,
    city: String,
    population: i64,
    maison_email: String,
    title: String,
    axis_id: i32,
    sector_code: Option<String>,
    objectives: String,
    description: String,
    target_public: String,
    status: String,
    abandon_reason: String,
    months: Option<i32>,
    budget_cents: i64,
    label: Option<String>,
    unit: Option<String>,
    target: Option<f64>,
    achieved: Option<f64>,
}

/// The actions the demo evaluates and proposes: in each Grenelle Maison, its first réalisée (or abandonnée)
/// action of each kind the lessons know, the pilots first; about forty per copy of the network.
async fn candidates(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as(
        "select * from (
         select distinct on (m.id, a.title) a.id as action_id, m.id as maison_id, m.city,
                coalesce(mp.population, 0) as population, m.email as maison_email, a.title, a.axis_id,
                a.sector_code, a.objectives, a.description, a.target_public, a.status, a.abandon_reason,
                case when a.start_date is not null and a.end_date is not null then
                    greatest(1, least(240, ((extract(year from a.end_date) - extract(year from a.start_date)) * 12
                        + extract(month from a.end_date) - extract(month from a.start_date) + 1)::int)) end as months,
                (select coalesce(sum(f.amount_cents), 0)::bigint from action_funding f where f.action_id = a.id)
                    as budget_cents,
                i.label, i.unit, i.target, i.achieved
         from action a join plan p on p.id = a.plan_id join maison m on m.id = p.maison_id
         left join maison_population mp on mp.maison_id = m.id
         left join lateral (select label, unit, target, achieved from action_indicator x
                            where x.action_id = a.id order by x.position, x.id limit 1) i on true
         where m.grenelle_year is not null and a.status in ('realisee', 'abandonnee')
         order by m.id, a.title, a.status desc, a.id) c
         -- one kind of action per Maison in turn, the pilots first, so that the library spans the network
         order by row_number() over (partition by c.maison_id order by c.title), not (select grenelle_pilot from maison where id = c.maison_id),
                  c.maison_id
         limit $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn seed(conn: &mut PgConnection, network: &Network) -> anyhow::Result<()> {
    let all = candidates(&mut *conn, 100_000).await?;
    let chosen: Vec<&Candidate> = all
        .iter()
        .filter(|c| lesson(&c.title).is_some())
        .take(40 * network.scale as usize)
        .collect();
    let drafts: Vec<(i64, i64)> = sqlx::query_as(
        "select p.id, p.maison_id from plan p join maison m on m.id = p.maison_id
         where p.status = 'brouillon' and m.grenelle_year is not null order by p.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut reuses = 0usize;
    for (k, c) in chosen.iter().enumerate() {
        let Some(l) = lesson(&c.title) else { continue };
        let results = results_text(c);
        evaluate(conn, c, l, &results).await?;
        let status = match k % 10 {
            7 => "proposee",
            8 if k % 20 == 8 => "a_modifier",
            9 if k % 30 == 9 => "declinee",
            _ => "acceptee",
        };
        let practice = propose(conn, network, c, l, &results, status, k).await?;
        if status == "acceptee" && k % 3 == 1 {
            let target = drafts
                .iter()
                .filter(|(_, m)| *m != c.maison_id)
                .nth(reuses % drafts.len().max(1));
            if let Some((plan, maison)) = target {
                reuse(conn, practice, *plan, *maison).await?;
                reuses += 1;
            }
        }
    }
    Ok(())
}

fn results_text(c: &Candidate) -> String {
    if c.status == "abandonnee" {
        return format!("Action arrêtée avant son terme : {}", c.abandon_reason);
    }
    match (&c.label, &c.unit, c.target, c.achieved) {
        (Some(l), Some(u), Some(t), Some(a)) => format!(
            "{l} : {} {u} pour un objectif de {} ({}).",
            crate::web::format::decimal(a, 0),
            crate::web::format::decimal(t, 0),
            crate::web::format::percent(a as i64, t as i64)
        ),
        _ => "Objectifs atteints ; bilan présenté au comité de pilotage.".to_owned(),
    }
}

async fn evaluate(
    conn: &mut PgConnection,
    c: &Candidate,
    l: &Lesson,
    results: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into action_evaluation (action_id, results, worked, difficulties, conditions,
                cost_per_beneficiary_cents, key_partner_ids)
         values ($1, $2, $3, $4, $5, $6,
                 array(select organisation_id from action_partner where action_id = $1 order by organisation_id limit 2))",
    )
    .bind(c.action_id)
    .bind(results)
    .bind(l.2)
    .bind(l.3)
    .bind(l.4)
    .bind(l.5.map(|e| e * 100))
    .execute(conn)
    .await?;
    Ok(())
}

/// The practice of `c` in `status`, with its version and the steps of its curation; its id.
async fn propose(
    conn: &mut PgConnection,
    network: &Network,
    c: &Candidate,
    l: &Lesson,
    results: &str,
    status: &str,
    k: usize,
) -> sqlx::Result<i64> {
    let remarkable = status == "acceptee" && k.is_multiple_of(9);
    let comment = match status {
        "a_modifier" => "Merci de préciser le coût par bénéficiaire et les partenaires financeurs.",
        "declinee" => "Pratique très proche d'une autre déjà repérée dans la bibliothèque.",
        _ => "",
    };
    let practice: i64 = sqlx::query_scalar(
        "insert into practice (maison_id, action_id, status, remarkable, review_comment, reviewed_by,
                               reviewed_at, proposed_by, created_at)
         values ($1, $2, $3, $4, $5, case when $3 <> 'proposee' then $6::bigint end,
                 case when $3 <> 'proposee' then now() - make_interval(days => $7) end,
                 (select id from account where maison_id = $1 and role = 'staff' order by responsable desc, id limit 1),
                 now() - make_interval(days => $7 + 20))
         returning id",
    )
    .bind(c.maison_id)
    .bind(c.action_id)
    .bind(status)
    .bind(remarkable)
    .bind(comment)
    .bind(network.admin_id)
    .bind(i32::try_from(k % 300).unwrap_or(0))
    .fetch_one(&mut *conn)
    .await?;
    let summary = [c.objectives.trim(), c.description.trim()].join("\n\n");
    let figures = serde_json::json!([{
        "label": c.label, "unit": c.unit, "target": c.target, "achieved": c.achieved, "indicator_id": null
    }]);
    let figures = if c.label.is_some() {
        figures
    } else {
        serde_json::json!([])
    };
    sqlx::query(
        "with v as (
             insert into practice_version (practice_id, number, title, axis_id, sector_code, publics, public_text,
                    territory_types, territory_size, budget_range, duration_months, summary, results, figures,
                    worked, difficulties, conditions, cost_per_beneficiary_cents, contact_role, contact_email,
                    created_by, created_at)
             select $1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                    p.proposed_by, p.created_at from practice p where p.id = $1 returning id)
         update practice set current_version_id = (select id from v) where id = $1",
    )
    .bind(practice)
    .bind(&c.title)
    .bind(c.axis_id)
    .bind(&c.sector_code)
    .bind(l.1)
    .bind(&c.target_public)
    .bind(territory_types(&c.city, c.population))
    .bind(codes::territory_size_of(c.population))
    .bind(codes::budget_range_of(c.budget_cents))
    .bind(c.months)
    .bind(summary.trim())
    .bind(results)
    .bind(figures)
    .bind(l.2)
    .bind(l.3)
    .bind(l.4)
    .bind(l.5.map(|e| e * 100))
    .bind(contact_role(c.sector_code.as_deref()))
    .bind(&c.maison_email)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into transition (object_type, object_id, from_status, to_status, account_id, comment, at)
         select 'practice', p.id, null, 'proposee', p.proposed_by, '', p.created_at from practice p where p.id = $1
         union all
         select 'practice', p.id, 'proposee', p.status, p.reviewed_by, p.review_comment, p.reviewed_at
         from practice p where p.id = $1 and p.status <> 'proposee'",
    )
    .bind(practice)
    .execute(&mut *conn)
    .await?;
    Ok(practice)
}

fn contact_role(sector: Option<&str>) -> &'static str {
    match sector {
        Some("batiment") => "Chargée de mission bâtiment durable",
        Some("enr") => "Chargé de mission transition énergétique",
        Some("transports") => "Référente mobilité",
        _ => "Pôle emploi-compétences de la Maison",
    }
}

/// The practice taken up as the next fiche of a draft plan of another Maison, provenance kept.
async fn reuse(conn: &mut PgConnection, practice: i64, plan: i64, maison: i64) -> sqlx::Result<()> {
    sqlx::query(
        "with src as (select v.* , p.id as pid, v.id as vid from practice p
                      join practice_version v on v.id = p.current_version_id where p.id = $1),
              a as (insert into action (plan_id, number, title, axis_id, sector_code, objectives, description,
                                        target_public, expected_results)
                    select $2, (select coalesce(max(number), 0) + 1 from action where plan_id = $2), src.title,
                           src.axis_id, src.sector_code, src.summary,
                           'Reprise d''une pratique de la bibliothèque du réseau.' || chr(10) || chr(10) ||
                           'Conditions pour la reproduire : ' || src.conditions,
                           src.public_text, src.results from src returning id),
              i as (insert into action_indicator (action_id, label, unit, position)
                    select a.id, f->>'label', coalesce(f->>'unit', ''), 0 from a, src,
                           jsonb_array_elements(src.figures) f where f->>'label' is not null)
         insert into practice_reuse (practice_id, version_id, action_id, reused_by, reused_at)
         select src.pid, src.vid, a.id,
                (select id from account where maison_id = $3 and role = 'staff' order by id limit 1), now()
         from src, a",
    )
    .bind(practice)
    .bind(plan)
    .bind(maison)
    .execute(conn)
    .await?;
    Ok(())
}
