//! Demo plans d'actions: every Grenelle Maison gets a plan in a phase of its own (brouillon, soumis, validé,
//! en mise en œuvre, clôturé), with realistic fiches actions, budgets, indicators and follow-up. The Lille
//! pilot runs a validated plan of 60 actions (the benchmark's page), some piloted by France Travail so that
//! the demo partner account can add notes. Lille's fiches have steps (their progress is the steps') and
//! every third one that has started a proof. Deterministic; bulk inserts (a handful of statements per table).

use chrono::{Datelike, Months, NaiveDate};
use sqlx::PgConnection;

use super::{Network, SeededMaison};

struct Template {
    title: &'static str,
    sector: &'static str,
    objectives: &'static str,
    description: &'static str,
    public: &'static str,
    results: &'static str,
    indicator: (&'static str, &'static str, f64),
    funders: &'static [&'static str],
}

#[expect(clippy::too_many_arguments, reason = "one row of the catalogue")]
const fn t(
    title: &'static str,
    sector: &'static str,
    objectives: &'static str,
    description: &'static str,
    public: &'static str,
    results: &'static str,
    indicator: (&'static str, &'static str, f64),
    funders: &'static [&'static str],
) -> Template {
    Template {
        title,
        sector,
        objectives,
        description,
        public,
        results,
        indicator,
        funders,
    }
}

/// Fiches by axis number (1 to 4).
const AXIS_1: &[Template] = &[
    t(
        "Animation du comité de pilotage Grenelle",
        "autre",
        "Réunir deux fois par an les partenaires du plan et suivre ses indicateurs.",
        "Préparation des dossiers, secrétariat du copil, tableau de bord partagé des actions.",
        "Membres du comité de pilotage",
        "Un copil tenu chaque semestre ; des décisions tracées.",
        ("Réunions du comité de pilotage", "réunions", 4.0),
        &["Maison de l'emploi", "DREETS"],
    ),
    t(
        "Actualisation du diagnostic emploi-formation du bâtiment",
        "batiment",
        "Mettre à jour les données emploi, formation et marchés de la rénovation énergétique.",
        "Exploitation des données INSEE, France Travail (BMO), Cellule économique régionale du BTP ; entretiens avec 20 entreprises.",
        "Partenaires du territoire",
        "Un diagnostic actualisé, partagé en atelier.",
        ("Entreprises interrogées", "entreprises", 20.0),
        &["ADEME", "Conseil régional"],
    ),
    t(
        "Observatoire des métiers de l'économie verte",
        "autre",
        "Suivre les offres et les besoins en compétences liés à la transition écologique.",
        "Veille trimestrielle sur les offres d'emploi, note de conjoncture diffusée aux partenaires.",
        "Acteurs de l'emploi et de la formation",
        "Quatre notes de conjoncture par an.",
        ("Notes de conjoncture publiées", "notes", 4.0),
        &["Maison de l'emploi"],
    ),
    t(
        "Ateliers de co-construction du plan d'actions",
        "autre",
        "Associer entreprises, organismes de formation et SPE à la définition des actions.",
        "Trois ateliers thématiques (bâtiment, énergies renouvelables, mobilité) animés par la Maison.",
        "Entreprises, OF, SPE, collectivités",
        "Des fiches actions portées par des pilotes identifiés.",
        ("Participants aux ateliers", "personnes", 60.0),
        &["EPCI"],
    ),
];

const AXIS_2: &[Template] = &[
    t(
        "GPECT bâtiment durable",
        "batiment",
        "Anticiper les besoins en compétences des entreprises du bâtiment face à la rénovation énergétique.",
        "Démarche de gestion prévisionnelle territoriale avec la CAPEB et la FFB : diagnostics RH, plans de formation mutualisés.",
        "TPE et PME du bâtiment",
        "Des plans de formation pour 30 entreprises.",
        ("Entreprises accompagnées", "entreprises", 30.0),
        &["OPCO Constructys", "DREETS", "Conseil régional"],
    ),
    t(
        "Formations FEEBAT pour les artisans",
        "batiment",
        "Former les artisans aux économies d'énergie dans le bâtiment (FEEBAT).",
        "Organisation de sessions FEEBAT de proximité avec la CMA et les organismes agréés ; repérage des entreprises par la CAPEB.",
        "Artisans et salariés du bâtiment",
        "Des artisans formés et en route vers la qualification RGE.",
        ("Stagiaires FEEBAT", "personnes", 80.0),
        &["ADEME", "OPCO Constructys"],
    ),
    t(
        "Accompagnement à la qualification RGE",
        "batiment",
        "Augmenter le nombre d'entreprises qualifiées « Reconnu garant de l'environnement ».",
        "Réunions d'information, aide au montage des dossiers Qualibat, suivi individuel.",
        "Entreprises du bâtiment",
        "Des entreprises qualifiées RGE supplémentaires.",
        ("Entreprises qualifiées RGE", "entreprises", 25.0),
        &["ADEME", "CMA"],
    ),
    t(
        "Adaptation de l'offre de formation aux métiers verts",
        "enr",
        "Faire évoluer les formations initiales et continues vers les compétences de la transition énergétique.",
        "Travail avec le GRETA, l'AFPA et les CFA sur les référentiels : pompes à chaleur, solaire, isolation par l'extérieur.",
        "Organismes de formation",
        "De nouveaux modules ouverts.",
        ("Modules de formation créés", "modules", 6.0),
        &["Conseil régional"],
    ),
    t(
        "Reconversion vers la filière éolienne et photovoltaïque",
        "enr",
        "Orienter des demandeurs d'emploi vers les métiers des énergies renouvelables.",
        "Préparation opérationnelle à l'emploi collective avec les installateurs du territoire.",
        "Demandeurs d'emploi",
        "Des personnes formées et recrutées.",
        ("Personnes formées", "personnes", 24.0),
        &["France Travail", "Conseil régional"],
    ),
];

const AXIS_3: &[Template] = &[
    t(
        "Clauses d'insertion dans les marchés de rénovation",
        "batiment",
        "Développer les clauses sociales dans les marchés publics de rénovation énergétique.",
        "Un facilitateur accompagne les maîtres d'ouvrage (bailleurs, communes) et les entreprises ; suivi des heures.",
        "Personnes éloignées de l'emploi",
        "Des heures d'insertion réalisées et des sorties vers l'emploi.",
        ("Heures d'insertion réalisées", "heures", 45000.0),
        &["EPCI", "Bailleurs sociaux", "FSE"],
    ),
    t(
        "Forum des métiers verts",
        "autre",
        "Faire connaître les métiers et les recrutements de l'économie verte.",
        "Forum annuel avec stands d'entreprises, démonstrations de chantiers et job dating.",
        "Jeunes, demandeurs d'emploi, salariés en reconversion",
        "Des contacts et des recrutements.",
        ("Visiteurs du forum", "personnes", 1200.0),
        &["Conseil départemental", "EPCI"],
    ),
    t(
        "Appui RH aux TPE de la rénovation énergétique",
        "batiment",
        "Aider les TPE à recruter et à fidéliser leurs salariés.",
        "Appui au recrutement, aide à la rédaction des offres, mise en relation avec le GEIQ BTP.",
        "TPE du bâtiment",
        "Des recrutements réussis.",
        ("Recrutements accompagnés", "recrutements", 40.0),
        &["DREETS"],
    ),
    t(
        "Création d'activité dans le réemploi et le recyclage",
        "eau_dechets",
        "Soutenir la création d'entreprises et de SIAE dans l'économie circulaire.",
        "Accompagnement de porteurs de projet, lien avec les structures de l'IAE et les ressourceries.",
        "Porteurs de projet",
        "Des activités créées.",
        ("Activités créées", "activités", 5.0),
        &["Conseil régional", "Banque des territoires"],
    ),
    t(
        "Chantiers d'insertion en espaces naturels",
        "biodiversite",
        "Proposer des parcours d'insertion dans l'entretien des espaces verts et naturels.",
        "Chantiers portés par des SIAE avec les gestionnaires d'espaces naturels.",
        "Personnes en insertion",
        "Des parcours et des sorties positives.",
        ("Sorties positives", "personnes", 18.0),
        &["Conseil départemental", "FSE"],
    ),
];

const AXIS_4: &[Template] = &[
    t(
        "Aide à la mobilité vers les chantiers",
        "transports",
        "Lever le frein de la mobilité pour accéder aux emplois du bâtiment.",
        "Plateforme mobilité : location de deux-roues, auto-école sociale, covoiturage vers les chantiers.",
        "Demandeurs d'emploi sans solution de transport",
        "Des personnes en emploi grâce à une solution de mobilité.",
        ("Personnes accompagnées", "personnes", 150.0),
        &["Conseil départemental", "EPCI"],
    ),
    t(
        "Lutte contre la précarité énergétique",
        "batiment",
        "Repérer et accompagner les ménages en précarité énergétique, en créant des emplois d'ambassadeurs.",
        "Visites à domicile par des ambassadeurs de l'efficacité énergétique, orientation vers l'Espace Info-Énergie et l'ANAH.",
        "Ménages modestes",
        "Des ménages accompagnés et des travaux engagés.",
        ("Ménages visités", "ménages", 300.0),
        &["ANAH", "Fondation", "EPCI"],
    ),
    t(
        "Égalité femmes-hommes dans les métiers du bâtiment",
        "batiment",
        "Ouvrir les métiers du bâtiment aux femmes.",
        "Découvertes des métiers, immersions en entreprise, sensibilisation des employeurs.",
        "Femmes en recherche d'emploi",
        "Des femmes formées et recrutées.",
        ("Femmes en formation", "personnes", 20.0),
        &["DREETS", "Conseil régional"],
    ),
    t(
        "Savoirs de base et langue sur les chantiers",
        "batiment",
        "Remédier à l'illettrisme et aux difficultés de langue des salariés du bâtiment.",
        "Modules de formation en situation de travail avec les organismes spécialisés.",
        "Salariés et demandeurs d'emploi",
        "Des salariés qui progressent et sécurisent leur emploi.",
        ("Stagiaires", "personnes", 45.0),
        &["OPCO Constructys"],
    ),
    t(
        "Garde d'enfants en horaires atypiques",
        "autre",
        "Faciliter la reprise d'emploi des parents aux horaires décalés.",
        "Partenariat avec les crèches et les assistantes maternelles ; places réservées.",
        "Parents en reprise d'emploi",
        "Des parents en emploi.",
        ("Familles accompagnées", "familles", 40.0),
        &["CAF", "Commune"],
    ),
];

const AXES: [&[Template]; 4] = [AXIS_1, AXIS_2, AXIS_3, AXIS_4];

/// The catalogue indicator (code) a template's result is, when there is one: those results add up across
/// Maisons in the Grenelle report; the others stay free text, as Maisons also write them.
fn catalogue_code(label: &str) -> Option<&'static str> {
    Some(match label {
        "Stagiaires FEEBAT" => "FEEBAT",
        "Entreprises qualifiées RGE" => "RGE",
        "Heures d'insertion réalisées" => "CLAUSES_H",
        "Recrutements accompagnés" => "ACT_RECRUT",
        "Ménages visités" => "ACT_MENAGES",
        "Visiteurs du forum" => "ACT_FORUM",
        "Entreprises accompagnées" => "ACT_ENTREPRISES",
        "Personnes formées" => "ACT_FORMES",
        "Personnes accompagnées" => "ACT_ACCOMPAGNES",
        "Sorties positives" => "ACT_SORTIES",
        _ => return None,
    })
}

/// A template's funder: the kind of partner organisation it is (the Maison's partner of that kind is named,
/// from the directory), else the name written as free text (no such organisation in the directory).
fn funder_kind(funder: &str) -> Result<&'static str, &'static str> {
    match funder {
        "ADEME" => Ok("ademe"),
        "Conseil régional" => Ok("region"),
        "DREETS" => Ok("etat"),
        "EPCI" => Ok("epci"),
        "Conseil départemental" => Ok("departement"),
        "France Travail" => Ok("france_travail"),
        "OPCO Constructys" => Ok("opco"),
        "CMA" => Ok("cma"),
        "Commune" => Ok("commune"),
        "Maison de l'emploi" => Err("Fonds propres de la Maison"),
        "Bailleurs sociaux" => Err("Bailleurs sociaux du territoire"),
        "FSE" => Err("Fonds social européen (FSE+)"),
        "Banque des territoires" => Err("Banque des Territoires"),
        "ANAH" => Err("Agence nationale de l'habitat (Anah)"),
        "Fondation" => Err("Fondation de France"),
        "CAF" => Err("Caisse d'allocations familiales"),
        _ => Err("Autre financeur"),
    }
}

/// The name a funder is written with when the Maison has no partner of its kind.
fn funder_fallback(kind: &str) -> &'static str {
    match kind {
        "ademe" => "ADEME",
        "region" => "Conseil régional",
        "etat" => "DREETS",
        "epci" => "Intercommunalité",
        "departement" => "Conseil départemental",
        "france_travail" => "France Travail",
        "opco" => "OPCO Constructys",
        "cma" => "Chambre de métiers et de l'artisanat",
        _ => "Commune",
    }
}

/// What the fiches' budget and results lines refer to: the Maisons' partners by kind, and the catalogue.
#[derive(Default)]
struct Refs {
    /// Maison id → (organisation id, partner type, name), in the directory's order.
    partners: std::collections::HashMap<i64, Vec<(i64, String, String)>>,
    /// Catalogue code → (id, label, unit).
    catalogue: std::collections::HashMap<String, (i64, String, String)>,
}

impl Refs {
    async fn load(conn: &mut PgConnection) -> sqlx::Result<Refs> {
        let mut refs = Refs::default();
        let partners: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "select p.maison_id, o.id, o.type_code, o.name from partnership p
             join organisation o on o.id = p.organisation_id order by p.maison_id, o.id",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (m, o, t, n) in partners {
            refs.partners.entry(m).or_default().push((o, t, n));
        }
        let catalogue: Vec<(String, i64, String, String)> =
            sqlx::query_as("select code, id, label, unit from indicator where for_actions")
                .fetch_all(&mut *conn)
                .await?;
        for (code, id, label, unit) in catalogue {
            refs.catalogue.insert(code, (id, label, unit));
        }
        Ok(refs)
    }

    /// The funder's name and directory organisation for a fiche of Maison `m`.
    fn funder(&self, m: i64, funder: &str) -> (String, Option<i64>) {
        match funder_kind(funder) {
            Ok(kind) => self
                .partners
                .get(&m)
                .and_then(|ps| ps.iter().find(|p| p.1 == kind))
                .map(|p| (p.2.clone(), Some(p.0)))
                .unwrap_or_else(|| (funder_fallback(kind).to_owned(), None)),
            Err(name) => (name.to_owned(), None),
        }
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn add_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m)).unwrap_or(d)
}

/// id, maison, diagnostic, title, start year, end year, status, evaluation, created by
type PlanRow = (i64, i64, Option<i64>, String, i32, i32, String, String, i64);
/// object type, object id, from, to, account, day, comment
type TransitionRow = (String, i64, Option<String>, String, i64, NaiveDate, String);

/// action, label, unit, target, achieved, year, catalogue indicator
type IndicatorRow = (i64, String, String, f64, Option<f64>, i32, Option<i64>);

/// Columns of the bulk inserts.
#[derive(Default)]
struct Rows {
    plan: Vec<PlanRow>,
    action: Vec<ActionRow>,
    partner: Vec<(i64, i64, String)>,
    funding: Vec<(i64, String, i64, String, i32, Option<i64>)>,
    indicator: Vec<IndicatorRow>,
    note: Vec<(i64, i64, NaiveDate, String, Option<i32>)>,
    transition: Vec<TransitionRow>,
    copil: Vec<(i64, NaiveDate, String, String, String, i64)>,
    review: Vec<(i64, i64, String, String)>,
    step: Vec<StepRow>,
    /// action, file name, bytes, uploaded by
    proof: Vec<(i64, String, Vec<u8>, i64)>,
}

/// action, title, start, end, status, position
type StepRow = (i64, String, NaiveDate, NaiveDate, String, i32);

struct ActionRow {
    id: i64,
    plan: i64,
    number: i32,
    title: String,
    axis: i32,
    sector: String,
    objectives: String,
    description: String,
    public: String,
    results: String,
    /// Piloted by the Maison itself (then `pilot` is `None`).
    pilot_maison: bool,
    pilot: Option<i64>,
    referent: Option<i64>,
    /// The pilot organisation's referent (a partner account).
    pilot_referent: Option<i64>,
    start: NaiveDate,
    end: NaiveDate,
    priority: String,
    status: String,
    progress: i32,
    abandon: String,
}

struct PlanSpec<'a> {
    maison: &'a SeededMaison,
    status: &'static str,
    start_year: i32,
    actions: usize,
    /// An organisation piloting every 4th action (France Travail for Lille).
    pilot_every_4th: Option<i64>,
    partner_account: Option<i64>,
}

/// The plans to seed: Lille's two, then one per other Grenelle Maison, in a phase of its own. `ft`: France
/// Travail's organisation and demo partner account.
fn specs<'a>(network: &'a Network, ft: Option<(i64, i64)>) -> Vec<PlanSpec<'a>> {
    let mut specs = Vec::new();
    let lille = network.lille();
    // Lille: a first plan closed and evaluated, then the current one being run (60 actions).
    for (status, start_year, actions) in [("cloture", 2010, 12), ("en_oeuvre", 2025, 60)] {
        specs.push(PlanSpec {
            maison: lille,
            status,
            start_year,
            actions,
            pilot_every_4th: ft.map(|f| f.0),
            partner_account: ft.map(|f| f.1),
        });
    }
    let statuses = [
        "en_oeuvre",
        "valide",
        "soumis",
        "brouillon",
        "cloture",
        "en_oeuvre",
    ];
    for (i, m) in network.grenelle().filter(|m| m.id != lille.id).enumerate() {
        let status = statuses[i % statuses.len()];
        // Plans being carried out started a year or two ago, so that they have results to report.
        let start_year = match status {
            "cloture" => 2011 + (i % 3) as i32,
            "en_oeuvre" => 2024 + (i % 2) as i32,
            _ => 2025 + (i % 2) as i32,
        };
        specs.push(PlanSpec {
            maison: m,
            status,
            start_year,
            actions: 8 + (i * 3) % 9,
            pilot_every_4th: None,
            partner_account: None,
        });
    }
    specs
}

/// `n` ids of `table`'s sequence, reserved in one statement.
async fn reserve_ids(conn: &mut PgConnection, table: &str, n: usize) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "select nextval(pg_get_serial_sequence($1, 'id')) from generate_series(1, $2)",
    )
    .bind(table)
    .bind(n as i64)
    .fetch_all(&mut *conn)
    .await
}

pub async fn seed(conn: &mut PgConnection, network: &Network) -> anyhow::Result<()> {
    let axes: Vec<(i32, i32)> =
        sqlx::query_as("select id, number from axis where charter = '2009' order by number")
            .fetch_all(&mut *conn)
            .await?;
    if axes.len() != 4 {
        return Ok(());
    }
    let ft: Option<(i64, i64)> = sqlx::query_as(
        "select organisation_id, id from account where email = 'partenaire@francetravail.example.org'",
    )
    .fetch_optional(&mut *conn)
    .await?
    .and_then(|(o, a): (Option<i64>, i64)| o.map(|o| (o, a)));
    let diagnostics: Vec<(i64, i64)> = sqlx::query_as(
        "select distinct on (maison_id) maison_id, id from diagnostic where status = 'valide' order by maison_id, id desc",
    )
    .fetch_all(&mut *conn)
    .await?;
    let specs = specs(network, ft);
    let plan_ids = reserve_ids(conn, "plan", specs.len()).await?;
    let total_actions: usize = specs.iter().map(|s| s.actions).sum();
    let action_ids = reserve_ids(conn, "action", total_actions).await?;
    let refs = Refs::load(&mut *conn).await?;
    let mut rows = Rows::default();
    let mut next_action = action_ids.into_iter();
    // Lille's running plan: France Travail, which pilots some of its actions, was told of its validation.
    let lille_running = plan_ids.get(1).copied();
    let today = crate::web::format::today();
    for (k, (spec, plan_id)) in specs.iter().zip(plan_ids).enumerate() {
        let cx = PlanCx {
            spec,
            plan_id,
            k,
            axes: &axes,
            refs: &refs,
            today,
        };
        let diagnostic = diagnostics
            .iter()
            .find(|(mid, _)| *mid == spec.maison.id)
            .map(|(_, d)| *d);
        plan_rows(&mut rows, &cx, diagnostic, network.admin_id);
        for j in 0..spec.actions {
            action_rows(&mut rows, &cx, j, next_action.next().unwrap_or_default());
        }
    }
    insert(conn, &rows).await?;
    if let Some(plan) = lille_running {
        crate::plans::tell_pilots_plan_validated(&mut *conn, plan).await?;
    }
    Ok(())
}

/// What every row of one plan is built from.
struct PlanCx<'a> {
    spec: &'a PlanSpec<'a>,
    plan_id: i64,
    /// The plan's rank among those seeded (varies the fiches between Maisons).
    k: usize,
    axes: &'a [(i32, i32)],
    refs: &'a Refs,
    today: NaiveDate,
}

/// The plan's row, its workflow's path (with the copil's decision) and, for some, an avis du réseau.
fn plan_rows(rows: &mut Rows, cx: &PlanCx<'_>, diagnostic: Option<i64>, admin: i64) {
    let (spec, plan_id) = (cx.spec, cx.plan_id);
    let m = spec.maison;
    let y = spec.start_year;
    let title = if spec.status == "cloture" && y < 2015 {
        format!("Plan d'actions Grenelle {y}–{}", y + 2)
    } else {
        format!(
            "Plan d'actions emploi et transition écologique {y}–{}",
            y + 2
        )
    };
    let evaluation = if spec.status == "cloture" {
        "Sur la période, le plan a permis de former les artisans du territoire aux économies d'énergie, de doubler le \
         nombre d'entreprises RGE et de réaliser les heures d'insertion prévues. Les actions de mobilité ont été \
         pérennisées par l'EPCI. Point de vigilance : l'appui RH aux TPE doit être mieux outillé."
            .to_owned()
    } else {
        String::new()
    };
    rows.plan.push((
        plan_id,
        m.id,
        diagnostic,
        title,
        y,
        y + 2,
        spec.status.to_owned(),
        evaluation,
        m.responsable_id,
    ));
    plan_path(rows, cx);
    if matches!(spec.status, "soumis" | "valide" | "en_oeuvre") && cx.k.is_multiple_of(2) {
        let (opinion, remarks) = if cx.k.is_multiple_of(4) {
            (
                "favorable",
                "Plan équilibré entre les quatre axes ; la GPECT bâtiment pourra être partagée avec le réseau.",
            )
        } else {
            (
                "reserve",
                "L'axe 4 mériterait des indicateurs de résultat plus précis.",
            )
        };
        rows.review
            .push((plan_id, admin, opinion.into(), remarks.into()));
    }
}

/// The plan's workflow path, dated from its start, with the copil's decision when it was validated.
fn plan_path(rows: &mut Rows, cx: &PlanCx<'_>) {
    let (spec, plan_id) = (cx.spec, cx.plan_id);
    let author = spec.maison.responsable_id;
    let y = spec.start_year;
    let path: &[&str] = match spec.status {
        "brouillon" => &["brouillon"],
        "soumis" => &["brouillon", "soumis"],
        "valide" => &["brouillon", "soumis", "valide"],
        "en_oeuvre" => &["brouillon", "soumis", "valide", "en_oeuvre"],
        _ => &["brouillon", "soumis", "valide", "en_oeuvre", "cloture"],
    };
    let mut on = date(y - 1, 9, 15);
    let mut prev: Option<&str> = None;
    for (i, st) in path.iter().enumerate() {
        let comment = match *st {
            "brouillon" => "Plan créé",
            "soumis" => "Soumis au comité de pilotage",
            "valide" => "Validé par le comité de pilotage",
            "en_oeuvre" => "Lancement de la mise en œuvre",
            _ => "Clôture après évaluation",
        };
        if *st == "valide" {
            rows.copil.push((
                plan_id,
                on,
                "valide".into(),
                "Préfecture (DREETS), France Travail, Conseil régional, EPCI, CAPEB, FFB, ADEME"
                    .into(),
                "Le comité valide le plan d'actions et demande un point d'étape semestriel.".into(),
                author,
            ));
        }
        rows.transition.push((
            "plan".into(),
            plan_id,
            prev.map(str::to_owned),
            (*st).to_owned(),
            author,
            on,
            comment.into(),
        ));
        prev = Some(st);
        on = if *st == "en_oeuvre" {
            date(y + 2, 12, 15)
        } else {
            add_months(on, if i == 0 { 2 } else { 1 })
        };
    }
}

/// The `j`-th fiche of the plan (id `id`) and its lines: partners, budget, indicators, follow-up.
fn action_rows(rows: &mut Rows, cx: &PlanCx<'_>, j: usize, id: i64) {
    let (spec, k) = (cx.spec, cx.k);
    let m = spec.maison;
    let axis_index = j % 4;
    let list = AXES[axis_index];
    let tpl = &list[(j / 4 + k) % list.len()];
    let round = j / (4 * list.len());
    let title = if round == 0 && j / 4 < list.len() {
        tpl.title.to_owned()
    } else {
        format!("{} ({})", tpl.title, j / 4 + 1)
    };
    let start = add_months(date(spec.start_year, 1, 1), ((j * 2) % 18) as u32);
    let end = add_months(start, 6 + ((j * 5) % 19) as u32);
    // Every other action of axis 1 (animation, the copil) is piloted by the Maison itself.
    let pilot_maison = j.is_multiple_of(8);
    let pilot = match spec.pilot_every_4th {
        _ if pilot_maison => None,
        Some(org) if j % 4 == 1 => Some(org),
        _ if m.partner_organisation_ids.is_empty() => None,
        _ => Some(m.partner_organisation_ids[(j + k) % m.partner_organisation_ids.len()]),
    };
    let pilot_referent = spec
        .partner_account
        .filter(|_| pilot.is_some() && pilot == spec.pilot_every_4th);
    let referent = m.staff_ids.get(j % m.staff_ids.len().max(1)).copied();
    let (status, mut progress, abandon) = action_state(spec.status, j, end, cx.today);
    // Lille's fiches (the benchmark's plan) have steps: their progress is then the steps' (issue 16).
    if spec.pilot_every_4th.is_some() {
        progress = step_rows(rows, id, start, end, status, progress);
    }
    let priority = ["haute", "moyenne", "basse", "moyenne"][(j + k) % 4];
    rows.action.push(ActionRow {
        id,
        plan: cx.plan_id,
        number: j as i32 + 1,
        title,
        axis: cx.axes[axis_index].0,
        sector: tpl.sector.to_owned(),
        objectives: tpl.objectives.to_owned(),
        description: tpl.description.to_owned(),
        public: tpl.public.to_owned(),
        results: tpl.results.to_owned(),
        pilot_maison,
        pilot,
        referent,
        pilot_referent,
        start,
        end,
        priority: priority.to_owned(),
        status: status.to_owned(),
        progress,
        abandon: abandon.to_owned(),
    });
    let a = Seeded {
        id,
        status,
        progress,
        pilot,
        start,
        end,
        j,
        tpl,
    };
    partner_rows(rows, cx, &a);
    proof_rows(rows, cx, &a);
    funding_rows(rows, cx, &a);
    indicator_rows(rows, cx, &a);
    follow_up_rows(rows, cx, &a, abandon);
}

/// What the lines of a fiche need of it.
struct Seeded<'a> {
    id: i64,
    status: &'static str,
    progress: i32,
    pilot: Option<i64>,
    start: NaiveDate,
    end: NaiveDate,
    j: usize,
    tpl: &'a Template,
}

/// Three steps over the action's dates, done as far as its progress goes; the progress they give.
fn step_rows(
    rows: &mut Rows,
    id: i64,
    start: NaiveDate,
    end: NaiveDate,
    status: &str,
    progress: i32,
) -> i32 {
    const STEPS: [&str; 3] = [
        "Préparation et mobilisation des partenaires",
        "Mise en œuvre auprès des publics",
        "Bilan et diffusion des résultats",
    ];
    let months = u32::try_from((end - start).num_days() / 91)
        .unwrap_or(1)
        .max(1);
    let done = if status == "realisee" {
        3
    } else {
        (progress / 34).clamp(0, 3) as usize
    };
    let mut statuses = Vec::new();
    for (i, title) in STEPS.iter().enumerate() {
        let from = add_months(start, months * i as u32);
        let to = if i == 2 {
            end
        } else {
            add_months(start, months * (i as u32 + 1)).min(end)
        };
        let st = match i.cmp(&done) {
            std::cmp::Ordering::Less => crate::domain::plan::StepStatus::Faite,
            std::cmp::Ordering::Equal if matches!(status, "en_cours" | "en_pause") => {
                crate::domain::plan::StepStatus::EnCours
            }
            _ => crate::domain::plan::StepStatus::AFaire,
        };
        statuses.push(st);
        rows.step.push((
            id,
            (*title).to_owned(),
            from,
            to.max(from),
            st.as_str().to_owned(),
            i as i32,
        ));
    }
    if status == "realisee" {
        100
    } else {
        crate::domain::plan::progress_from_steps(&statuses).unwrap_or(progress)
    }
}

/// A proof (a small PDF: an attendance list) on every third fiche of Lille's plans that has started, joined
/// by its pilot's account when France Travail pilots it, else by the Maison's responsable.
fn proof_rows(rows: &mut Rows, cx: &PlanCx<'_>, a: &Seeded<'_>) {
    let spec = cx.spec;
    if spec.pilot_every_4th.is_none()
        || !a.j.is_multiple_of(3)
        || matches!(a.status, "a_lancer" | "abandonnee")
    {
        return;
    }
    let by = match spec.partner_account {
        Some(p) if a.pilot == spec.pilot_every_4th && a.pilot.is_some() => p,
        _ => spec.maison.responsable_id,
    };
    let pdf = format!(
        "%PDF-1.4\n% Liste d'émargement : {} ({})\n%%EOF\n",
        a.tpl.title,
        crate::web::format::date(a.start)
    );
    rows.proof.push((
        a.id,
        format!("Liste d'émargement n° {}.pdf", a.j + 1),
        pdf.into_bytes(),
        by,
    ));
}

/// Partners: two others of the Maison's partners.
fn partner_rows(rows: &mut Rows, cx: &PlanCx<'_>, a: &Seeded<'_>) {
    let ids = &cx.spec.maison.partner_organisation_ids;
    let n = ids.len();
    for (r, role) in ["co-financeur", "opérateur"].iter().enumerate() {
        if n > 2 {
            let org = ids[(a.j + cx.k + r + 1) % n];
            if Some(org) != a.pilot && !rows.partner.iter().any(|p| p.0 == a.id && p.1 == org) {
                rows.partner.push((a.id, org, (*role).to_owned()));
            }
        }
    }
}

/// Budget lines: a few thousand to a few hundred thousand euros, integer cents.
fn funding_rows(rows: &mut Rows, cx: &PlanCx<'_>, a: &Seeded<'_>) {
    let (j, k) = (a.j, cx.k);
    for (f, funder) in a.tpl.funders.iter().enumerate() {
        let amount = (((j * 7 + k * 13 + f * 5) % 40) as i64 + 2) * 250_000 + (f as i64) * 12_345;
        let state = if matches!(cx.spec.status, "brouillon" | "soumis") && f > 0 {
            "sollicite"
        } else if f % 2 == 0 {
            "acquis"
        } else {
            "sollicite"
        };
        let (funder, organisation) = cx.refs.funder(cx.spec.maison.id, funder);
        rows.funding.push((
            a.id,
            funder,
            amount,
            state.to_owned(),
            f as i32,
            organisation,
        ));
    }
}

/// One indicator line per year the action runs: that year's target, and what was achieved in the years
/// gone by (this year's so far), so that the Grenelle report has every year's results.
fn indicator_rows(rows: &mut Rows, cx: &PlanCx<'_>, a: &Seeded<'_>) {
    let (j, k, today) = (a.j, cx.k, cx.today);
    let (label, unit, target) = a.tpl.indicator;
    let catalogue = catalogue_code(label).and_then(|c| cx.refs.catalogue.get(c));
    let (label, unit, indicator) = match catalogue {
        Some((id, label, unit)) => (label.as_str(), unit.as_str(), Some(*id)),
        None => (label, unit, None),
    };
    let target = (target * (1.0 + ((j + k) % 3) as f64 * 0.25)).round();
    let years: Vec<i32> = (a.start.year()..=a.end.year()).collect();
    for (yi, &year) in years.iter().enumerate() {
        let target = (target / years.len() as f64).round().max(1.0);
        let share = match a.status {
            _ if year > today.year() => None,
            "a_lancer" => None,
            "realisee" => Some(1.05),
            "abandonnee" if yi == 0 => Some(0.2),
            "abandonnee" => None,
            _ if year < today.year() => Some(0.8 + ((j + k + yi) % 4) as f64 * 0.1),
            _ => Some(f64::from(a.progress) / 100.0),
        };
        rows.indicator.push((
            a.id,
            label.to_owned(),
            unit.to_owned(),
            target,
            share.map(|s| (target * s).round()),
            year,
            indicator,
        ));
    }
}

/// The fiche's status changes and notes de suivi (some by France Travail, its pilot at Lille).
fn follow_up_rows(rows: &mut Rows, cx: &PlanCx<'_>, a: &Seeded<'_>, abandon: &str) {
    let spec = cx.spec;
    let author = spec.maison.responsable_id;
    let transition = |from: &str, to: &str, on: NaiveDate, comment: &str| {
        (
            "action".to_owned(),
            a.id,
            Some(from.to_owned()),
            to.to_owned(),
            author,
            on,
            comment.to_owned(),
        )
    };
    if matches!(a.status, "en_cours" | "realisee" | "en_pause") {
        rows.transition
            .push(transition("a_lancer", "en_cours", a.start, ""));
        if a.status != "en_cours" {
            rows.transition
                .push(transition("en_cours", a.status, add_months(a.start, 3), ""));
        }
        let note_author = match (
            spec.partner_account,
            a.pilot == spec.pilot_every_4th && a.pilot.is_some(),
        ) {
            (Some(p), true) => p,
            _ => author,
        };
        let noted = add_months(a.start, 2).min(cx.today);
        rows.note.push((
            a.id,
            note_author,
            noted,
            note_text(a.tpl, a.j),
            Some((a.progress / 2).max(5)),
        ));
        if a.progress >= 50 {
            rows.note.push((a.id, author, add_months(a.start, 5).min(cx.today), "Point d'étape au comité technique : calendrier tenu, les partenaires confirment leurs engagements.".into(), Some(a.progress)));
        }
    }
    if a.status == "abandonnee" {
        rows.transition
            .push(transition("a_lancer", "abandonnee", a.start, abandon));
    }
}

fn note_text(tpl: &Template, j: usize) -> String {
    match j % 3 {
        0 => format!("{} : première session réalisée, les inscriptions sont conformes à l'objectif.", tpl.title),
        1 => "Réunion avec les entreprises partenaires ; prochaines étapes fixées et diffusion aux prescripteurs.".into(),
        _ => "Retard de démarrage lié au recrutement de l'intervenant, rattrapé le mois suivant.".into(),
    }
}

/// The action's status in a plan of the given status (varied but deterministic).
fn action_state(
    plan_status: &str,
    j: usize,
    end: NaiveDate,
    today: NaiveDate,
) -> (&'static str, i32, &'static str) {
    match plan_status {
        "en_oeuvre" => match j % 10 {
            0 | 1 => ("realisee", 100, ""),
            2..=5 => ("en_cours", 20 + ((j * 7) % 7) as i32 * 10, ""),
            6 => ("en_pause", 30, ""),
            7 => (
                "abandonnee",
                10,
                "Cofinancement du Conseil régional non obtenu ; action reportée au prochain plan.",
            ),
            _ if end < today => ("en_cours", 60, ""),
            _ => ("a_lancer", 0, ""),
        },
        "valide" if j.is_multiple_of(5) => ("en_cours", 10, ""),
        "cloture" if j % 7 == 3 => ("abandonnee", 20, "Public trop restreint sur le territoire."),
        "cloture" => ("realisee", 100, ""),
        _ => ("a_lancer", 0, ""),
    }
}

/// The column `$i` of a list of row tuples, for an `unnest` bind.
macro_rules! col {
    ($v:expr, $i:tt) => {
        $v.iter().map(|x| x.$i.clone()).collect::<Vec<_>>()
    };
}

async fn insert(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    insert_plans_and_actions(conn, r).await?;
    insert_lines(conn, r).await?;
    insert_follow_up(conn, r).await
}

async fn insert_plans_and_actions(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    sqlx::query(
        "insert into plan (id, maison_id, diagnostic_id, title, start_year, end_year, status, evaluation, created_by)
         select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::bigint[])",
    )
    .bind(col!(r.plan, 0)).bind(col!(r.plan, 1)).bind(col!(r.plan, 2)).bind(col!(r.plan, 3)).bind(col!(r.plan, 4))
    .bind(col!(r.plan, 5)).bind(col!(r.plan, 6)).bind(col!(r.plan, 7)).bind(col!(r.plan, 8))
    .execute(&mut *conn)
    .await?;
    let a = &r.action;
    sqlx::query(
        "insert into action (id, plan_id, number, title, axis_id, sector_code, objectives, description, target_public,
                             expected_results, pilot_organisation_id, referent_account_id, start_date, end_date, priority,
                             status, progress, abandon_reason, pilot_maison, pilot_referent_account_id)
         select * from unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[],
                              $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::date[], $14::date[], $15::text[],
                              $16::text[], $17::int[], $18::text[], $19::bool[], $20::bigint[])",
    )
    .bind(a.iter().map(|x| x.id).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.plan).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.number).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.title.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.axis).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.sector.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.objectives.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.description.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.public.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.results.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.pilot).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.referent).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.start).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.end).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.priority.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.status.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.progress).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.abandon.clone()).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.pilot_maison).collect::<Vec<_>>())
    .bind(a.iter().map(|x| x.pilot_referent).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The fiches' partners, budget lines, indicators, steps and proofs.
async fn insert_lines(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    sqlx::query(
        "insert into action_step (action_id, title, start_date, end_date, status, position)
         select * from unnest($1::bigint[], $2::text[], $3::date[], $4::date[], $5::text[], $6::int[])",
    )
    .bind(col!(r.step, 0))
    .bind(col!(r.step, 1))
    .bind(col!(r.step, 2))
    .bind(col!(r.step, 3))
    .bind(col!(r.step, 4))
    .bind(col!(r.step, 5))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into document (action_id, filename, content_type, size_bytes, data, uploaded_by)
         select a, f, 'application/pdf', length(d), d, u from unnest($1::bigint[], $2::text[], $3::bytea[], $4::bigint[]) as x(a, f, d, u)",
    )
    .bind(col!(r.proof, 0))
    .bind(col!(r.proof, 1))
    .bind(col!(r.proof, 2))
    .bind(col!(r.proof, 3))
    .execute(&mut *conn)
    .await?;
    sqlx::query("insert into action_partner (action_id, organisation_id, role) select * from unnest($1::bigint[], $2::bigint[], $3::text[])")
        .bind(col!(r.partner, 0)).bind(col!(r.partner, 1)).bind(col!(r.partner, 2))
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "insert into action_funding (action_id, funder, amount_cents, state, position, organisation_id)
         select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::bigint[])",
    )
    .bind(col!(r.funding, 0))
    .bind(col!(r.funding, 1))
    .bind(col!(r.funding, 2))
    .bind(col!(r.funding, 3))
    .bind(col!(r.funding, 4))
    .bind(col!(r.funding, 5))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into action_indicator (action_id, label, unit, target, achieved, year, indicator_id)
         select * from unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::int[], $7::bigint[])",
    )
    .bind(col!(r.indicator, 0)).bind(col!(r.indicator, 1)).bind(col!(r.indicator, 2)).bind(col!(r.indicator, 3))
    .bind(col!(r.indicator, 4)).bind(col!(r.indicator, 5)).bind(col!(r.indicator, 6))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Notes, transitions, copil decisions, avis du réseau and the plans' creation in the journal.
async fn insert_follow_up(conn: &mut PgConnection, r: &Rows) -> sqlx::Result<()> {
    sqlx::query(
        "insert into action_note (action_id, author_id, noted_on, body, progress)
         select * from unnest($1::bigint[], $2::bigint[], $3::date[], $4::text[], $5::int[])",
    )
    .bind(col!(r.note, 0))
    .bind(col!(r.note, 1))
    .bind(col!(r.note, 2))
    .bind(col!(r.note, 3))
    .bind(col!(r.note, 4))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into transition (object_type, object_id, from_status, to_status, account_id, at, comment)
         select t, o, f, s, a, d::timestamp at time zone 'Europe/Paris' + interval '10 hours', c
         from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::date[], $7::text[]) as x(t, o, f, s, a, d, c)",
    )
    .bind(col!(r.transition, 0)).bind(col!(r.transition, 1)).bind(col!(r.transition, 2)).bind(col!(r.transition, 3))
    .bind(col!(r.transition, 4)).bind(col!(r.transition, 5)).bind(col!(r.transition, 6))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into copil_decision (plan_id, decided_on, decision, members_present, minutes, recorded_by)
         select * from unnest($1::bigint[], $2::date[], $3::text[], $4::text[], $5::text[], $6::bigint[])",
    )
    .bind(col!(r.copil, 0)).bind(col!(r.copil, 1)).bind(col!(r.copil, 2)).bind(col!(r.copil, 3)).bind(col!(r.copil, 4))
    .bind(col!(r.copil, 5))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into network_review (plan_id, account_id, opinion, remarks)
         select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])",
    )
    .bind(col!(r.review, 0))
    .bind(col!(r.review, 1))
    .bind(col!(r.review, 2))
    .bind(col!(r.review, 3))
    .execute(&mut *conn)
    .await?;
    // The plans' creation in the journal, so the demo's Historique is not empty.
    sqlx::query(
        "insert into event (at, account_id, maison_id, object_type, object_id, action, summary)
         select make_timestamptz(p.start_year - 1, 9, 15, 10, 0, 0, 'Europe/Paris'), p.created_by, p.maison_id, 'plan', p.id,
                'creation', 'Plan d''actions « ' || p.title || ' » créé'
         from plan p where p.id = any($1)",
    )
    .bind(col!(r.plan, 0))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
