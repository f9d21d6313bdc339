//! Demo diagnostics: most Grenelle Maisons have one (validated, shared or still a draft), with sections
//! about the building sector, FEEBAT, RGE…, indicator values scaled on the territory's population, shares
//! with their copil partners, the workflow's timeline and partners' comments. The Lille pilot's diagnostic
//! is the benchmark one: 8 sections, 40 indicator values, 200 comments, shared with France Travail.
//! Everything is written with one bulk insert per table, ids reserved up front; deterministic.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sqlx::PgConnection;

use super::{Network, SeededMaison, reserve_ids};
use crate::diagnostics::STANDARD_SECTIONS;

/// A stable pseudo-random number in [0, 1) from a few integers.
fn jitter(a: i64, b: i64, c: i64) -> f64 {
    let mut x = (a as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((b as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add((c as u64).wrapping_mul(0x94D0_49BB_1331_11EB));
    x ^= x >> 31;
    x = x.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^= x >> 29;
    (x % 10_000) as f64 / 10_000.0
}

fn at(days: i64, minutes: i64) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    base + Duration::days(days) + Duration::minutes(minutes)
}

fn section_body(kind: &str, m: &SeededMaison, territory: &str, population: i64) -> String {
    let city = &m.city;
    let name = &m.name;
    let pop = crate::web::format::int(population);
    match kind {
        "contexte" => format!(
            "Le territoire de la {name} ({territory}) compte **{pop} habitants**. Il associe un pôle urbain \
             autour de {city} et des communes périurbaines et rurales où l'habitat individuel ancien domine.\n\n\
             Le diagnostic a été conduit de janvier à juin avec les membres du comité de pilotage, dans le cadre \
             du programme *Maisons de l'emploi et développement durable* (AVE – ADEME).\n\n\
             - trois ateliers thématiques (bâtiment, énergies renouvelables, mobilité) ;\n\
             - une quarantaine d'entretiens avec des entreprises et des organismes de formation ;\n\
             - l'exploitation des données INSEE, France Travail (STMT, BMO) et de la cellule économique régionale du BTP."
        ),
        "economie" => format!(
            "Le tissu économique autour de {city} repose sur des **TPE et PME du bâtiment** : plus de huit \
             établissements sur dix comptent moins de dix salariés. La demande de rénovation énergétique \
             progresse avec France Rénov' et les certificats d'économies d'énergie, mais les entreprises \
             peinent à s'organiser pour répondre aux offres globales.\n\n\
             | Marché | Tendance |\n|---|---|\n| Rénovation énergétique des logements | forte hausse |\n\
             | Construction neuve | repli |\n| Énergies renouvelables (solaire, bois-énergie) | hausse |\n\n\
             Les donneurs d'ordre publics (bailleurs sociaux, collectivités) portent une part importante de la \
             commande, souvent avec des clauses d'insertion."
        ),
        "emploi" => "La demande d'emploi sur les métiers du bâtiment (ROME F) reste élevée alors que les \
             entreprises déclarent des difficultés de recrutement : l'écart tient aux qualifications, à la \
             mobilité et à l'image des métiers.\n\n\
             - les **demandeurs d'emploi de catégorie A, B, C** sont en légère baisse sur un an ;\n\
             - les offres déposées concernent d'abord les couvreurs, plombiers-chauffagistes et électriciens ;\n\
             - l'indicateur de tension dépasse 1 sur les métiers de la performance énergétique."
            .to_owned(),
        "competences" => "Les besoins portent sur la **performance énergétique** : isolation par l'extérieur, \
             étanchéité à l'air, pompes à chaleur, ventilation, pilotage des installations. Les employeurs \
             attendent aussi des compétences transversales : lecture d'un audit énergétique, coordination \
             entre corps d'état, relation au client.\n\n\
             L'enquête BMO confirme que plus de la moitié des projets de recrutement du bâtiment sont jugés \
             difficiles. La mention **RGE** (Reconnu garant de l'environnement) conditionne l'accès des clients \
             aux aides : son obtention reste un frein pour les plus petites entreprises."
            .to_owned(),
        "formation" => "L'offre de formation initiale (CFA du BTP, lycées professionnels) couvre les métiers de \
             base ; l'offre continue s'appuie sur les modules **FEEBAT** (formation aux économies d'énergie \
             des entreprises et artisans du bâtiment) et sur les formations qualifiantes de l'AFPA et des GRETA.\n\n\
             Les places sur les filières vertes restent peu nombreuses hors du pôle urbain et les stages \
             FEEBAT sont difficiles à suivre pour un artisan seul : des sessions courtes, en soirée ou sur \
             chantier, sont demandées par la CAPEB et la FFB."
            .to_owned(),
        "freins" => "Plusieurs freins limitent l'accès des demandeurs d'emploi aux métiers verts :\n\n\
             1. la **mobilité** (absence de permis, zones mal desservies par les transports en commun) ;\n\
             2. la maîtrise des savoirs de base et du numérique ;\n\
             3. la garde d'enfants sur des horaires de chantier ;\n\
             4. l'image des métiers du bâtiment auprès des jeunes et des femmes.\n\n\
             Les structures d'insertion et le PLIE signalent aussi la difficulté à sécuriser les parcours \
             entre deux chantiers."
            .to_owned(),
        "afom" => "**Atouts** : un réseau d'entreprises artisanales dense, un comité de pilotage mobilisé, \
             des clauses d'insertion déjà pratiquées.\n\n\
             **Faiblesses** : peu d'entreprises RGE, une offre FEEBAT dispersée, une connaissance fragile des \
             besoins des entreprises.\n\n\
             **Opportunités** : le plan de rénovation du parc social, la montée de France Rénov', les \
             chantiers d'énergies renouvelables annoncés.\n\n\
             **Menaces** : le départ à la retraite des chefs d'entreprise, la concurrence d'entreprises \
             extérieures au territoire, l'incertitude sur les aides publiques."
            .to_owned(),
        _ => format!(
            "Le comité de pilotage retient quatre enjeux pour le plan d'actions de la {name} :\n\n\
             - **qualifier** les artisans à la performance énergétique (FEEBAT, accompagnement vers le RGE) ;\n\
             - **adapter l'offre de formation** avec la Région, Constructys et les organismes de formation ;\n\
             - **faciliter les recrutements** par des sessions de recrutement et des forums des métiers verts ;\n\
             - **développer les clauses d'insertion** dans les marchés publics de rénovation.\n\n\
             Ces pistes seront travaillées en ateliers avec les partenaires avant leur validation en copil."
        ),
    }
}

/// Partners' remarks on each standard section (the seeder cycles through a section's list, then through
/// the openers, so that no remark repeats on a diagnostic of up to 200 comments).
fn remarks(kind: &str) -> &'static [&'static str] {
    match kind {
        "contexte" => &[
            "La carte du territoire gagnerait à faire apparaître les bassins de vie et pas seulement les communes.",
            "La population citée est celle du recensement : précisez l'année de référence.",
            "Le contexte pourrait rappeler les projets de renouvellement urbain en cours sur le territoire.",
            "Les communes rurales du nord du territoire sont peu décrites alors qu'elles concentrent le parc ancien.",
            "Le plan climat de l'intercommunalité fixe des objectifs de rénovation qu'il serait utile de citer.",
        ],
        "economie" => &[
            "Il faudrait distinguer les métiers du gros œuvre et ceux du second œuvre dans l'analyse du tissu.",
            "Le tableau des marchés est très utile ; peut-on y ajouter la rénovation du tertiaire public ?",
            "Les bailleurs sociaux ont un plan de réhabilitation de 1 200 logements sur trois ans : c'est une opportunité forte.",
            "Il manque les besoins des entreprises d'énergies renouvelables (solaire, méthanisation).",
            "La part des très petites entreprises dans le bâtiment mériterait un chiffre : elles dominent le marché de la rénovation.",
        ],
        "emploi" => &[
            "Les chiffres de la demande d'emploi datent de l'an dernier : pouvez-vous les actualiser avec la STMT du dernier trimestre ?",
            "Les demandeurs d'emploi de longue durée devraient apparaître dans la partie emploi.",
            "Pourrait-on ajouter une comparaison avec la moyenne régionale pour le taux de tension ?",
            "L'intérim représente une part importante de l'emploi dans le BTP : la section n'en parle pas.",
            "Les offres déposées ne couvrent qu'une partie des recrutements : à préciser en note.",
        ],
        "competences" => &[
            "Attention : l'enquête BMO porte sur les intentions d'embauche, pas sur les recrutements réalisés.",
            "Nous proposons d'ajouter les données de l'annuaire RGE par corps de métier.",
            "Les entreprises signalent surtout un manque de chefs de chantier, qui n'apparaît pas ici.",
            "Constructys peut fournir les données de formation continue des salariés du BTP.",
            "Les compétences en pilotage de chantier de rénovation globale mériteraient une ligne à part.",
        ],
        "formation" => &[
            "Les sessions FEEBAT organisées avec la CAPEB ne figurent pas dans l'offre de formation décrite.",
            "Le GRETA ouvre une formation d'installateur de pompes à chaleur à la rentrée : à mentionner.",
            "Les apprentis du bâtiment sont comptés deux fois (CFA et lycées professionnels) ?",
            "Le taux de remplissage des formations serait plus parlant que le nombre de places.",
            "La plateforme de formation aux gestes de l'efficacité énergétique du lycée professionnel manque à la liste.",
        ],
        "freins" => &[
            "La question de la mobilité mérite un paragraphe sur les zones rurales du nord du territoire.",
            "La part des femmes dans les métiers du bâtiment mériterait d'être citée dans les freins.",
            "Le coût du permis de conduire est le premier frein cité par les jeunes que nous suivons.",
            "Le logement des apprentis éloignés de leur entreprise est un frein à ajouter.",
            "La maîtrise du français technique freine l'accès aux formations qualifiantes : à signaler.",
        ],
        "afom" => &[
            "D'accord avec la synthèse AFOM ; nous ajouterions la difficulté d'accès au foncier pour les entreprises.",
            "La dépendance aux aides publiques à la rénovation est une menace à faire figurer.",
            "Le réseau d'artisans engagés dans la démarche RGE est un atout à mettre en avant.",
            "La concurrence des territoires voisins pour attirer les apprentis est une menace réelle.",
            "L'opportunité des certificats d'économies d'énergie n'apparaît pas dans la synthèse.",
        ],
        "enjeux" => &[
            "Proposition : une fiche action sur l'accompagnement collectif des artisans vers la mention RGE.",
            "Les heures d'insertion issues des clauses sociales sont sous-estimées : le facilitateur a un bilan plus récent.",
            "La Mission locale constate un intérêt croissant des jeunes pour les métiers de la transition énergétique.",
            "L'enjeu de la rénovation des copropriétés pourrait faire l'objet d'une piste d'action à part.",
            "Nous suggérons de relier l'enjeu de l'attractivité des métiers aux actions d'orientation des collèges.",
        ],
        _ => &[
            "Le diagnostic pourrait citer l'Espace Conseil France Rénov' comme acteur de la demande.",
            "Une synthèse d'une page en tête du document aiderait les élus du comité de pilotage.",
            "Les sources de chaque tableau devraient figurer sous le tableau, pas seulement en annexe.",
            "Merci pour ce document très complet ; nous le diffuserons à nos équipes.",
            "Un glossaire des sigles (BMO, STMT, RGE, FEEBAT) faciliterait la lecture.",
        ],
    }
}

/// What a remark begins with, after the first round through a section's remarks.
const OPENERS: &[&str] = &[
    "",
    "Une remarque de nos équipes : ",
    "Suite à notre réunion : ",
    "Pour compléter : ",
    "Un point de vigilance : ",
];

/// The latest top-level comment of a diagnostic being seeded: id, section, created, answered.
type LatestRemark = (i64, Option<i64>, DateTime<Utc>, Option<DateTime<Utc>>);

/// « Pour compléter : les chiffres… »: the remark after its opener, lower-cased unless a name begins it.
fn with_opener(opener: &str, remark: &str) -> String {
    if opener.is_empty() || remark.starts_with("Constructys") {
        return format!("{opener}{remark}");
    }
    let mut chars = remark.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_lowercase().collect())
        .unwrap_or_default();
    format!("{opener}{first}{}", chars.as_str())
}

const ANSWERS: &[&str] = &[
    "Merci : les données ont été actualisées.",
    "Pris en compte dans la nouvelle rédaction de la section.",
    "Nous l'ajoutons au tableau des indicateurs.",
    "Hors du champ de ce diagnostic ; nous le retenons pour le plan d'actions.",
    "Les données ne sont pas disponibles à cette échelle.",
    "Bonne remarque : un paragraphe a été ajouté.",
    "Nous avons repris la formulation proposée.",
    "Ce point sera traité au prochain comité de pilotage.",
];

/// A partner's reply, after the Maison has answered (or, for an open comment, a few hours later).
const REPLIES: &[&str] = &[
    "Je confirme, nous pouvons transmettre les données à jour.",
    "Merci, la nouvelle rédaction nous convient.",
    "Nous en parlerons au prochain atelier.",
    "Même constat de notre côté, nous appuyons la demande.",
    "Je vous envoie le bilan par courriel cette semaine.",
    "Parfait, c'est plus clair ainsi.",
    "Nous pouvons mettre à disposition un contact pour approfondir ce point.",
];

/// Rows of each table, as tuples in the order of its bulk insert (kept local to this seeder).
#[derive(Default)]
#[expect(clippy::type_complexity, reason = "column tuples of bulk inserts")]
struct Rows {
    diag: Vec<(
        i64,
        i64,
        String,
        i32,
        &'static str,
        Option<NaiveDate>,
        String,
        i64,
        DateTime<Utc>,
    )>,
    sectors: Vec<(i64, &'static str)>,
    sections: Vec<(
        i64,
        i64,
        i32,
        &'static str,
        &'static str,
        String,
        i64,
        DateTime<Utc>,
    )>,
    values: Vec<(
        i64,
        i64,
        f64,
        i32,
        String,
        String,
        Option<&'static str>,
        Option<f64>,
    )>,
    shares: Vec<(i64, i64, i64, DateTime<Utc>)>,
    transitions: Vec<(
        i64,
        Option<&'static str>,
        &'static str,
        i64,
        DateTime<Utc>,
        String,
    )>,
    comments: Vec<(
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        String,
        &'static str,
        String,
        Option<i64>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    )>,
}

/// (code, share of the population, unit of a comparison value if any).
const VALUE_MODEL: &[(&str, f64)] = &[
    ("POP_ACT", 0.46),
    ("EMP_SAL", 0.38),
    ("ETAB", 0.075),
    ("EMP_BTP", 0.024),
    ("DEFM_ABC", 0.085),
    ("DEFM_BTP", 0.0055),
    ("OFFRES", 0.05),
    ("TENSION", 0.0),
    ("BMO", 0.034),
    ("BMO_DIFF", 0.0),
    ("FORM_PLACES", 0.0008),
    ("APPRENTIS", 0.0012),
    ("FEEBAT", 0.0004),
    ("RGE", 0.0009),
    ("LOG_AV1975", 0.24),
    ("LOG_TOTAL", 0.48),
    ("PRECARITE", 0.05),
    ("ENR_PROD", 0.0004),
    ("ETP_PERF", 0.002),
    ("CLAUSES_H", 0.15),
    ("RENOV", 0.004),
];

fn value_for(
    code: &str,
    share: f64,
    population: i64,
    seed: i64,
    year: i32,
) -> (f64, Option<&'static str>, Option<f64>) {
    let j = jitter(
        seed,
        year as i64,
        code.len() as i64 * 7 + code.as_bytes()[0] as i64,
    );
    match code {
        "TENSION" => {
            let v = ((0.6 + j * 0.7) * 100.0).round() / 100.0;
            (v, Some("france"), Some(0.92))
        }
        "BMO_DIFF" => {
            let v = ((45.0 + j * 25.0) * 10.0).round() / 10.0;
            (v, Some("region"), Some(57.3))
        }
        _ => {
            let growth = 1.0 + (year - 2023) as f64 * 0.03;
            (
                ((population as f64) * share * (0.8 + j * 0.4) * growth)
                    .round()
                    .max(1.0),
                None,
                None,
            )
        }
    }
}

/// What the seeder reads before it builds: the catalogue's indicators by code, France Travail's
/// organisation, each Maison's population and territory's name, each organisation's partner accounts.
struct Inputs {
    indicators: HashMap<String, i64>,
    france_travail: Option<i64>,
    territories: HashMap<i64, (i64, String)>,
    partners_of: HashMap<i64, Vec<i64>>,
}

async fn inputs(
    conn: &mut PgConnection,
    network: &Network,
    maisons: &[&SeededMaison],
) -> sqlx::Result<Inputs> {
    let indicators: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("select code, id from indicator")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let france_travail: Option<i64> = sqlx::query_scalar(
        "select organisation_id from account where email = 'partenaire@francetravail.example.org'",
    )
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    let ids: Vec<i64> = maisons.iter().map(|m| m.id).collect();
    let territories: HashMap<i64, (i64, String)> = sqlx::query_as::<_, (i64, i64, String)>(
        "select me.maison_id, coalesce(sum(c.population), 0)::bigint,
                (select string_agg(e.name, ', ') from maison_epci x join epci e on e.siren = x.epci_siren
                 where x.maison_id = me.maison_id)
         from maison_epci me left join commune c on c.epci_siren = me.epci_siren
         where me.maison_id = any($1) group by me.maison_id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(id, p, t)| (id, (p, t)))
    .collect();
    let mut partners_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for p in &network.partners {
        partners_of
            .entry(p.organisation_id)
            .or_default()
            .push(p.account_id);
    }
    Ok(Inputs {
        indicators,
        france_travail,
        territories,
        partners_of,
    })
}

/// One demo diagnostic being built: its index among them, its id, its Maison and what it says.
struct Diag<'a> {
    i: usize,
    id: i64,
    m: &'a SeededMaison,
    is_lille: bool,
    population: i64,
    territory: String,
    status: &'static str,
    created: DateTime<Utc>,
    shared_at: DateTime<Utc>,
}

/// What the comments of a diagnostic are written from, once every diagnostic is built.
struct CommentPlan {
    count: usize,
    /// Who may comment: the partners of the organisations it is shared with (France Travail's first for
    /// Lille).
    authors: Vec<i64>,
    sections: Vec<i64>,
}

pub async fn seed(conn: &mut PgConnection, network: &Network) -> anyhow::Result<()> {
    let maisons: Vec<&SeededMaison> = network
        .grenelle()
        .enumerate()
        // Most Grenelle Maisons have a diagnostic; every sixth has not started it yet.
        .filter(|(i, m)| m.pilot || i % 6 != 5)
        .map(|(_, m)| m)
        .collect();
    let inputs = inputs(conn, network, &maisons).await?;
    let diag_ids = reserve_ids(conn, "diagnostic", maisons.len()).await?;
    let section_ids = reserve_ids(
        conn,
        "diagnostic_section",
        maisons.len() * STANDARD_SECTIONS.len(),
    )
    .await?;
    let lille_id = network.lille().id;
    let mut rows = Rows::default();
    let mut plans: Vec<CommentPlan> = Vec::new();
    for (i, m) in maisons.iter().enumerate() {
        let (population, territory) = inputs
            .territories
            .get(&m.id)
            .cloned()
            .unwrap_or((0, String::new()));
        let is_lille = m.id == lille_id;
        let created = at(i as i64 % 40, i as i64);
        let d = Diag {
            i,
            id: diag_ids[i],
            m,
            is_lille,
            population,
            territory,
            status: status_of(i, is_lille),
            created,
            shared_at: created + Duration::days(20),
        };
        rows.diagnostic(&d);
        let n = STANDARD_SECTIONS.len();
        let sections = rows.sections(&d, &section_ids[i * n..(i + 1) * n]);
        rows.values(&d, &inputs.indicators);
        let authors = rows.shares(&d, &inputs);
        rows.transitions(&d);
        plans.push(CommentPlan {
            count: comment_count(&d),
            authors,
            sections,
        });
    }
    let total: usize = plans.iter().map(|c| c.count).sum();
    let comment_ids = reserve_ids(conn, "comment", total).await?;
    let mut next = 0;
    for (i, plan) in plans.iter().enumerate() {
        let ids = &comment_ids[next..next + plan.count];
        next += plan.count;
        let (status, created) = (rows.diag[i].4, rows.diag[i].8);
        rows.comments(maisons[i], diag_ids[i], status, created, plan, ids);
    }
    write(conn, rows).await
}

/// Lille is shared (the benchmark and the browser journey comment on it); otherwise a mix.
fn status_of(i: usize, is_lille: bool) -> &'static str {
    if is_lille {
        "partage"
    } else {
        match i % 5 {
            0 | 1 => "valide",
            2 | 3 => "partage",
            _ => "brouillon",
        }
    }
}

/// 200 comments on Lille's (the benchmark), none on a draft, a few on the others.
fn comment_count(d: &Diag<'_>) -> usize {
    match (d.is_lille, d.status) {
        (true, _) => 200,
        (false, "brouillon") => 0,
        (false, _) => 4 + d.i % 5,
    }
}

impl Rows {
    /// The diagnostic's row and its sectors.
    fn diagnostic(&mut self, d: &Diag<'_>) {
        let (i, m, year) = (d.i, d.m, 2025);
        let validated_on = (d.status == "valide")
            .then(|| NaiveDate::from_ymd_opt(2026, 9, 1 + (i % 28) as u32).unwrap_or_default());
        let decision = if d.status == "valide" {
            "Le comité de pilotage valide le diagnostic et engage l'élaboration du plan d'actions sur les quatre enjeux retenus.".to_owned()
        } else {
            String::new()
        };
        let title = format!(
            "Diagnostic emplois verts et rénovation énergétique — {} {year}",
            m.city
        );
        self.diag.push((
            d.id,
            m.id,
            title,
            year,
            d.status,
            validated_on,
            decision,
            m.responsable_id,
            d.created,
        ));
        self.sectors.push((d.id, "batiment"));
        if i % 2 == 0 {
            self.sectors.push((d.id, "enr"));
        }
        if i % 3 == 0 {
            self.sectors.push((d.id, "transports"));
        }
    }

    /// The standard sections under the ids reserved for them; returns those ids.
    fn sections(&mut self, d: &Diag<'_>, ids: &[i64]) -> Vec<i64> {
        for (k, ((kind, title), sid)) in STANDARD_SECTIONS.iter().zip(ids).enumerate() {
            // Drafts are still being written: their last sections are empty.
            let body = if d.status == "brouillon" && k >= 4 {
                String::new()
            } else {
                section_body(kind, d.m, &d.territory, d.population)
            };
            let author = d.m.staff_ids[k % d.m.staff_ids.len()];
            self.sections.push((
                *sid,
                d.id,
                k as i32 + 1,
                kind,
                title,
                body,
                author,
                d.created + Duration::days(k as i64),
            ));
        }
        ids.to_vec()
    }

    /// Indicators: the population from the reference geography, then the model's values (two years and
    /// 40 values for Lille, one year and 12 for the others).
    fn values(&mut self, d: &Diag<'_>, indicators: &HashMap<String, i64>) {
        let (id, m) = (d.id, d.m);
        if let Some(pop_id) = indicators.get("POP") {
            self.values.push((
                id,
                *pop_id,
                d.population as f64,
                crate::reference::POPULATION_YEAR,
                d.territory.clone(),
                crate::reference::POPULATION_SOURCE.to_owned(),
                None,
                None,
            ));
        }
        let years: &[i32] = if d.is_lille { &[2023, 2024] } else { &[2024] };
        let mut count = 1;
        let limit = if d.is_lille { 40 } else { 12 };
        'outer: for y in years {
            for (code, share) in VALUE_MODEL {
                if count >= limit {
                    break 'outer;
                }
                let Some(ind) = indicators.get(*code) else {
                    continue;
                };
                let (v, level, cmp) = value_for(code, *share, d.population, m.id, *y);
                self.values.push((
                    id,
                    *ind,
                    v,
                    *y,
                    d.territory.clone(),
                    format!("Source {y} (traitement {})", m.name),
                    level,
                    cmp,
                ));
                count += 1;
            }
        }
    }

    /// Shares: the copil partners (and France Travail for Lille); returns who may comment.
    fn shares(&mut self, d: &Diag<'_>, inputs: &Inputs) -> Vec<i64> {
        let m = d.m;
        let mut orgs: Vec<i64> = Vec::new();
        if d.status != "brouillon" {
            orgs.extend(m.copil_organisation_ids.iter().take(3));
            if d.is_lille
                && let Some(ft) = inputs.france_travail
                && !orgs.contains(&ft)
            {
                orgs.push(ft);
            }
        }
        for o in &orgs {
            self.shares.push((d.id, *o, m.responsable_id, d.shared_at));
        }
        let mut authors: Vec<i64> = orgs
            .iter()
            .flat_map(|o| inputs.partners_of.get(o).cloned().unwrap_or_default())
            .collect();
        if d.is_lille {
            // The demo partner first, so that the benchmark's comments include theirs.
            let ft_people: Vec<i64> = inputs
                .france_travail
                .and_then(|o| inputs.partners_of.get(&o).cloned())
                .unwrap_or_default();
            authors.retain(|a| !ft_people.contains(a));
            let mut first = ft_people;
            first.extend(authors);
            authors = first;
        }
        authors
    }

    /// The workflow's timeline: created, then shared, then validated, as far as its status.
    fn transitions(&mut self, d: &Diag<'_>) {
        let (id, by) = (d.id, d.m.responsable_id);
        self.transitions.push((
            id,
            None,
            "brouillon",
            by,
            d.created,
            "Création du diagnostic".into(),
        ));
        if d.status != "brouillon" {
            self.transitions.push((
                id,
                Some("brouillon"),
                "partage",
                by,
                d.shared_at,
                "Partage avec les membres du comité de pilotage pour avis".into(),
            ));
        }
        if d.status == "valide" {
            self.transitions.push((
                id,
                Some("partage"),
                "valide",
                by,
                d.shared_at + Duration::days(30),
                "Validation en comité de pilotage".into(),
            ));
        }
    }

    /// The comments in time order: a remark every 37 minutes from three weeks after creation (a day after
    /// the share); the Maison answers two days later; one comment in five is a partner's reply to the
    /// latest remark, a day after the answer (a few hours after the remark while it is open), so that a
    /// thread reads in date order: remark, answer, reply.
    fn comments(
        &mut self,
        m: &SeededMaison,
        id: i64,
        status: &str,
        created: DateTime<Utc>,
        plan: &CommentPlan,
        comment_ids: &[i64],
    ) {
        let (authors, secs) = (&plan.authors, &plan.sections);
        let base = created + Duration::days(21);
        let mut latest: Option<LatestRemark> = None;
        let mut tops = 0usize;
        let mut replies = 0usize;
        for (k, &cid) in comment_ids.iter().enumerate() {
            let when = base + Duration::minutes(37 * k as i64);
            let author = if k % 4 == 3 || authors.is_empty() {
                m.staff_ids[k % m.staff_ids.len()]
            } else {
                authors[k % authors.len()]
            };
            if k % 5 == 4
                && let Some((parent, section, asked, answered)) = latest.take()
            {
                let at = match answered {
                    Some(a) => a + Duration::days(1) + Duration::minutes(k as i64),
                    None => asked + Duration::hours(3),
                };
                // A partner replies (the Maison's own word is its answer).
                let author = if authors.is_empty() {
                    m.staff_ids[k % m.staff_ids.len()]
                } else {
                    authors[(k / 5) % authors.len()]
                };
                self.comments.push((
                    cid,
                    id,
                    section,
                    Some(parent),
                    author,
                    REPLIES[replies % REPLIES.len()].to_owned(),
                    "ouvert",
                    String::new(),
                    None,
                    None,
                    at,
                ));
                replies += 1;
                continue;
            }
            // Every ninth remark is on the whole diagnostic, the others go round the sections; each takes
            // its list's next remark, then the same with the next opener.
            let t = tops;
            tops += 1;
            let (section, list, round) = if t % 9 == 8 || secs.is_empty() {
                (None, remarks(""), t / 9)
            } else {
                let j = t - t / 9;
                let s = j % secs.len();
                (
                    Some(secs[s]),
                    remarks(STANDARD_SECTIONS[s].0),
                    j / secs.len(),
                )
            };
            let body = with_opener(
                OPENERS[(round / list.len()) % OPENERS.len()],
                list[round % list.len()],
            );
            let (st, answer, by, answered) = if status == "valide" || !t.is_multiple_of(3) {
                let st = if t.is_multiple_of(7) {
                    "sans_suite"
                } else {
                    "pris_en_compte"
                };
                (
                    st,
                    ANSWERS[t % ANSWERS.len()].to_owned(),
                    Some(m.responsable_id),
                    Some(when + Duration::days(2)),
                )
            } else {
                ("ouvert", String::new(), None, None)
            };
            self.comments.push((
                cid, id, section, None, author, body, st, answer, by, answered, when,
            ));
            latest = Some((cid, section, when, answered));
        }
    }
}

/// One bulk insert per table, in the order their references need.
async fn write(conn: &mut PgConnection, r: Rows) -> anyhow::Result<()> {
    insert_diagnostics(conn, &r).await?;
    insert_sections(conn, &r).await?;
    insert_values(conn, &r).await?;
    insert_shares_and_transitions(conn, &r).await?;
    insert_comments(conn, &r).await?;
    Ok(())
}

/// The diagnostics and their sectors.
async fn insert_diagnostics(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    let d = &r.diag;
    sqlx::query(
        "insert into diagnostic (id, maison_id, title, reference_year, status, validated_on, copil_decision,
                                 created_by, created_at, updated_at)
         select id, m, t, y, s, v, c, b, a, a from unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[],
                $5::text[], $6::date[], $7::text[], $8::bigint[], $9::timestamptz[]) as x(id, m, t, y, s, v, c, b, a)",
    )
    .bind(d.iter().map(|x| x.0).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.1).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.2.clone()).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.3).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.4).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.5).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.6.clone()).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.7).collect::<Vec<_>>())
    .bind(d.iter().map(|x| x.8).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    sqlx::query("insert into diagnostic_sector (diagnostic_id, sector_code) select * from unnest($1::bigint[], $2::text[])")
        .bind(r.sectors.iter().map(|x| x.0).collect::<Vec<_>>())
        .bind(r.sectors.iter().map(|x| x.1).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_sections(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    let s = &r.sections;
    sqlx::query(
        "insert into diagnostic_section (id, diagnostic_id, position, kind, title, body, updated_by, updated_at)
         select * from unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[],
                              $7::bigint[], $8::timestamptz[])",
    )
    .bind(s.iter().map(|x| x.0).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.1).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.2).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.3).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.4).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.5.clone()).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.6).collect::<Vec<_>>())
    .bind(s.iter().map(|x| x.7).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The indicator values.
async fn insert_values(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    let v = &r.values;
    sqlx::query(
        "insert into indicator_value (diagnostic_id, indicator_id, value, year, territory, source,
                                      comparison_level, comparison_value)
         select * from unnest($1::bigint[], $2::bigint[], $3::float8[], $4::int[], $5::text[], $6::text[],
                              $7::text[], $8::float8[])",
    )
    .bind(v.iter().map(|x| x.0).collect::<Vec<_>>())
    .bind(v.iter().map(|x| x.1).collect::<Vec<_>>())
    .bind(v.iter().map(|x| x.2).collect::<Vec<_>>())
    .bind(v.iter().map(|x| x.3).collect::<Vec<_>>())
    .bind(v.iter().map(|x| x.4.clone()).collect::<Vec<_>>())
    .bind(v.iter().map(|x| x.5.clone()).collect::<Vec<_>>())
    .bind(v.iter().map(|x| x.6).collect::<Vec<_>>())
    .bind(v.iter().map(|x| x.7).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Who each diagnostic is shared with, and its workflow's timeline.
async fn insert_shares_and_transitions(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    sqlx::query(
        "insert into diagnostic_share (diagnostic_id, organisation_id, shared_by, shared_at)
         select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[]) on conflict do nothing",
    )
    .bind(r.shares.iter().map(|x| x.0).collect::<Vec<_>>())
    .bind(r.shares.iter().map(|x| x.1).collect::<Vec<_>>())
    .bind(r.shares.iter().map(|x| x.2).collect::<Vec<_>>())
    .bind(r.shares.iter().map(|x| x.3).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    let t = &r.transitions;
    sqlx::query(
        "insert into transition (object_type, object_id, from_status, to_status, account_id, at, comment)
         select 'diagnostic', * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[])",
    )
    .bind(t.iter().map(|x| x.0).collect::<Vec<_>>())
    .bind(t.iter().map(|x| x.1).collect::<Vec<_>>())
    .bind(t.iter().map(|x| x.2).collect::<Vec<_>>())
    .bind(t.iter().map(|x| x.3).collect::<Vec<_>>())
    .bind(t.iter().map(|x| x.4).collect::<Vec<_>>())
    .bind(t.iter().map(|x| x.5.clone()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_comments(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    let c = &r.comments;
    sqlx::query(
        "insert into comment (id, diagnostic_id, section_id, parent_id, author_id, body, status, answer,
                              answered_by, answered_at, created_at)
         select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[],
                              $7::text[], $8::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[])",
    )
    .bind(c.iter().map(|x| x.0).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.1).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.2).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.3).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.4).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.5.clone()).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.6).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.7.clone()).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.8).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.9).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.10).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
