//! The demo network itself: 205 Maisons on real EPCI (the most populous of each département, then the
//! next ones, a few in the DROM), 30 in the Grenelle programme across 16 regions with the 3 pilots, partner
//! organisations of every type, partnerships with roles and contact people, and accounts for every role.
//! Built in memory, then written with one bulk `insert … select from unnest(…)` per table.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Days, NaiveDate};
use sqlx::PgConnection;

use super::names::{LAST_NAMES, is_feminine, of_place, person, slug, territory_of_epci};
use super::{Network, SeededMaison, SeededPartner, reserve_ids};
use crate::domain::siret;

const NETWORK_SIZE: usize = 205;
const GRENELLE_SIZE: usize = 30;
/// Lille Métropole, Grand Nancy, Bayonne – Pays Basque (CA du Pays Basque): the 2008 pilots.
const PILOTS: [&str; 3] = ["200093201", "245400676", "200067106"];
/// The 13 metropolitan regions and 3 DROM of the Grenelle programme.
const GRENELLE_REGIONS: [&str; 16] = [
    "32", "44", "75", "11", "24", "27", "28", "52", "53", "76", "84", "93", "94", "01", "02", "04",
];
/// DROM départements with a demo Maison (Mayotte has none).
const DROM_WITH_MAISON: [&str; 4] = ["971", "972", "973", "974"];

/// The people of the demo accounts printed by `--demo` (administrator, Lille's two staff members, the
/// France Travail partner): nobody else bears their names.
const NAMED_PEOPLE: [&str; 4] = [
    "Claire Martin",
    "Karim Benali",
    "Sophie Lefebvre",
    "Julien Dupont",
];

/// A territory, with the département and region of its main town (an EPCI may span two départements:
/// Grand Avignon is in Gard and Vaucluse, Avignon in Vaucluse).
#[derive(sqlx::FromRow, Clone)]
struct Epci {
    siren: String,
    name: String,
    kind: String,
    population: i64,
    dept: String,
    dept_name: String,
    region: String,
    region_name: String,
    city: String,
}

/// The real network's territories, pilots first, deterministic.
fn pick_territories(all: &[Epci]) -> Vec<Epci> {
    let mut picked: Vec<Epci> = PILOTS
        .iter()
        .filter_map(|s| all.iter().find(|e| e.siren == *s).cloned())
        .collect();
    let mut by_dept: BTreeMap<&str, Vec<&Epci>> = BTreeMap::new();
    for e in all.iter().filter(|e| !PILOTS.contains(&e.siren.as_str())) {
        by_dept.entry(e.dept.as_str()).or_default().push(e);
    }
    for list in by_dept.values_mut() {
        list.sort_by(|a, b| b.population.cmp(&a.population).then(a.siren.cmp(&b.siren)));
    }
    let mut rank = 0;
    while picked.len() < NETWORK_SIZE && rank < 50 {
        let mut candidates: Vec<&Epci> = by_dept
            .iter()
            .filter(|(dept, _)| {
                let drom = DROM_WITH_MAISON.contains(dept);
                drom && rank == 0 || !drom && !dept.starts_with("97")
            })
            .filter_map(|(_, list)| list.get(rank).copied())
            .collect();
        candidates.sort_by(|a, b| b.population.cmp(&a.population).then(a.siren.cmp(&b.siren)));
        for e in candidates {
            if picked.len() < NETWORK_SIZE {
                picked.push(e.clone());
            }
        }
        rank += 1;
    }
    picked
}

/// Indexes (into `picked`) of the Maisons in the Grenelle programme, with their year.
fn pick_grenelle(picked: &[Epci]) -> HashMap<usize, i32> {
    let mut chosen: HashMap<usize, i32> = (0..PILOTS.len()).map(|i| (i, 2008)).collect();
    let mut per_region: HashMap<&str, usize> = HashMap::new();
    for e in picked.iter().take(PILOTS.len()) {
        *per_region.entry(e.region.as_str()).or_default() += 1;
    }
    let mut by_population: Vec<usize> = (PILOTS.len()..picked.len()).collect();
    by_population.sort_by(|a, b| picked[*b].population.cmp(&picked[*a].population));
    // One per region first, then the largest territories, at most three per region.
    for region in GRENELLE_REGIONS {
        if per_region.contains_key(region) {
            continue;
        }
        if let Some(i) = by_population.iter().find(|i| picked[**i].region == region) {
            chosen.insert(*i, 2009);
            per_region.insert(region, 1);
        }
    }
    for i in by_population {
        if chosen.len() >= GRENELLE_SIZE {
            break;
        }
        let region = picked[i].region.as_str();
        let n = per_region.get(region).copied().unwrap_or(0);
        if !chosen.contains_key(&i) && GRENELLE_REGIONS.contains(&region) && (1..3).contains(&n) {
            chosen.insert(i, 2010);
            per_region.insert(region, n + 1);
        }
    }
    chosen
}

struct MaisonRow {
    name: String,
    legal_form: &'static str,
    region: String,
    dept: String,
    address: String,
    postal_code: String,
    city: String,
    website: String,
    email: String,
    phone: String,
    president: String,
    director: String,
    convention_date: NaiveDate,
    grenelle_year: Option<i32>,
    pilot: bool,
    epci: String,
    copy: u32,
}

struct OrgRow {
    name: String,
    type_code: &'static str,
    siret: Option<String>,
    region: Option<String>,
    website: String,
    email: String,
}

struct PartnershipRow {
    maison: usize,
    org: usize,
    roles: &'static str,
    since: NaiveDate,
}

struct ContactRow {
    partnership: usize,
    name: String,
    job_title: &'static str,
    email: String,
}

struct AccountRow {
    email: String,
    name: String,
    role: &'static str,
    maison: Option<usize>,
    org: Option<usize>,
    responsable: bool,
}

#[derive(Default)]
struct Builder {
    maisons: Vec<MaisonRow>,
    orgs: Vec<OrgRow>,
    partnerships: Vec<PartnershipRow>,
    contacts: Vec<ContactRow>,
    accounts: Vec<AccountRow>,
    emails: HashSet<String>,
    people: usize,
    regional: HashMap<(u32, String), RegionalOrgs>,
    departmental: HashMap<(u32, String), DepartmentalOrgs>,
}

#[derive(Clone, Copy)]
struct RegionalOrgs {
    dreets: usize,
    france_travail: usize,
    region: usize,
    ademe: usize,
    cma: usize,
    opco: usize,
    scop: usize,
    afpa: usize,
}

#[derive(Clone, Copy)]
struct DepartmentalOrgs {
    departement: usize,
    cci: usize,
    capeb: usize,
    ffb: usize,
    greta: usize,
    cap_emploi: usize,
    agriculture: usize,
    geiq: usize,
    adil: usize,
}

fn suffix(copy: u32) -> String {
    if copy == 0 {
        String::new()
    } else {
        format!(" ({})", copy + 1)
    }
}

fn domain_suffix(copy: u32) -> String {
    if copy == 0 {
        String::new()
    } else {
        format!("-{}", copy + 1)
    }
}

fn demo_siret(n: usize) -> String {
    let siren = siret::with_check_digit(&format!("{:08}", 21_000_000 + n));
    siret::with_check_digit(&format!("{siren}{:04}", 1 + n % 97))
}

/// The contact's job title for their organisation's type, in the person's gender.
fn job_title(type_code: &str, feminine: bool) -> &'static str {
    let (man, woman) = match type_code {
        "etat" => (
            "Directeur adjoint, pôle emploi et solidarités",
            "Directrice adjointe, pôle emploi et solidarités",
        ),
        "france_travail" => ("Directeur territorial", "Directrice territoriale"),
        "region" => (
            "Chargé de mission emploi-formation",
            "Chargée de mission emploi-formation",
        ),
        "departement" => ("Responsable insertion", "Responsable insertion"),
        "epci" => (
            "Directeur du développement économique",
            "Directrice du développement économique",
        ),
        "commune" => ("Adjoint au maire, emploi", "Adjointe au maire, emploi"),
        "ademe" => ("Ingénieur bâtiment durable", "Ingénieure bâtiment durable"),
        "cci" => ("Conseiller entreprises", "Conseillère entreprises"),
        "mission_locale" => ("Directeur", "Directrice"),
        _ => ("Chargé de mission", "Chargée de mission"),
    };
    if feminine { woman } else { man }
}

/// ADEME is one public body (SIREN 385 290 309): its regional directorates share its SIREN, each with an
/// establishment number of its own.
const ADEME_SIREN: &str = "385290309";

fn ademe_siret(n: usize) -> String {
    siret::with_check_digit(&format!("{ADEME_SIREN}{:04}", 10 + n))
}

impl Builder {
    fn unique_email(&mut self, local: &str, domain: &str) -> String {
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while !self.emails.insert(email.clone()) {
            email = format!("{local}{n}@{domain}");
            n += 1;
        }
        email
    }

    /// The next generated person, never one of the named demo accounts.
    fn next_person(&mut self) -> String {
        loop {
            self.people += 1;
            let p = person(self.people);
            if !NAMED_PEOPLE.contains(&p.as_str()) {
                return p;
            }
        }
    }

    fn org(&mut self, name: String, type_code: &'static str, region: &str) -> usize {
        let i = self.orgs.len();
        let domain = format!("{}.example.org", slug(&name));
        let siret = if type_code == "ademe" {
            let directorates = self.orgs.iter().filter(|o| o.type_code == "ademe").count();
            Some(ademe_siret(directorates))
        } else {
            (i % 5 != 4).then(|| demo_siret(i))
        };
        self.orgs.push(OrgRow {
            siret,
            website: format!("https://{domain}"),
            email: format!("contact@{domain}"),
            name,
            type_code,
            region: Some(region.to_owned()),
        });
        i
    }

    fn regional(&mut self, copy: u32, e: &Epci) -> RegionalOrgs {
        if let Some(r) = self.regional.get(&(copy, e.region.clone())) {
            return *r;
        }
        let s = suffix(copy);
        let n = &e.region_name;
        let orgs = RegionalOrgs {
            dreets: self.org(format!("DREETS {n}{s}"), "etat", &e.region),
            france_travail: self.org(
                format!("France Travail {n}{s}"),
                "france_travail",
                &e.region,
            ),
            region: self.org(format!("Région {n}{s}"), "region", &e.region),
            ademe: self.org(
                format!("ADEME – Direction régionale {n}{s}"),
                "ademe",
                &e.region,
            ),
            cma: self.org(
                format!("Chambre de métiers et de l'artisanat {n}{s}"),
                "cma",
                &e.region,
            ),
            opco: self.org(format!("Constructys {n}{s}"), "opco", &e.region),
            scop: self.org(
                format!("Fédération des SCOP du BTP {n}{s}"),
                "federation",
                &e.region,
            ),
            afpa: self.org(format!("AFPA {n}{s}"), "formation", &e.region),
        };
        // A France Travail adviser per region; Hauts-de-France's is the demo's partner account.
        let email = if copy == 0 && e.region == "32" {
            self.emails
                .insert("partenaire@francetravail.example.org".into());
            "partenaire@francetravail.example.org".to_owned()
        } else {
            let local = format!("conseil.{}{}", slug(n), domain_suffix(copy));
            self.unique_email(&local, "francetravail.example.org")
        };
        let name = if copy == 0 && e.region == "32" {
            "Julien Dupont".to_owned()
        } else {
            self.next_person()
        };
        self.accounts.push(AccountRow {
            email,
            name,
            role: "partner",
            maison: None,
            org: Some(orgs.france_travail),
            responsable: false,
        });
        self.regional.insert((copy, e.region.clone()), orgs);
        orgs
    }

    fn departmental(&mut self, copy: u32, e: &Epci) -> DepartmentalOrgs {
        if let Some(d) = self.departmental.get(&(copy, e.dept.clone())) {
            return *d;
        }
        let s = suffix(copy);
        let n = &e.dept_name;
        let r = &e.region;
        let orgs = DepartmentalOrgs {
            departement: self.org(format!("Conseil départemental – {n}{s}"), "departement", r),
            cci: self.org(format!("CCI {n}{s}"), "cci", r),
            capeb: self.org(format!("CAPEB {n}{s}"), "federation", r),
            ffb: self.org(format!("Fédération du BTP {n}{s}"), "federation", r),
            greta: self.org(format!("GRETA {n}{s}"), "formation", r),
            cap_emploi: self.org(format!("Cap emploi {n}{s}"), "cap_emploi", r),
            agriculture: self.org(
                format!("Chambre d'agriculture – {n}{s}"),
                "chambre_agriculture",
                r,
            ),
            geiq: self.org(format!("GEIQ BTP {n}{s}"), "insertion", r),
            adil: self.org(format!("ADIL {n}{s}"), "logement_energie", r),
        };
        let local = format!("contact.{}", slug(&e.dept));
        let domain = format!("capeb{}.example.org", domain_suffix(copy));
        let email = self.unique_email(&local, &domain);
        let name = self.next_person();
        self.accounts.push(AccountRow {
            email,
            name,
            role: "partner",
            maison: None,
            org: Some(orgs.capeb),
            responsable: false,
        });
        self.departmental.insert((copy, e.dept.clone()), orgs);
        orgs
    }

    fn partner(&mut self, maison: usize, org: usize, roles: &'static str, since: NaiveDate) {
        let p = self.partnerships.len();
        self.partnerships.push(PartnershipRow {
            maison,
            org,
            roles,
            since,
        });
        if roles.contains("copil") || roles.contains("membre_constitutif") {
            let name = self.next_person();
            let type_code = self.orgs[org].type_code;
            let domain = self.orgs[org]
                .email
                .split_once('@')
                .map(|(_, d)| d.to_owned())
                .unwrap_or_default();
            let email = format!("{}@{domain}", slug(&name).replace('-', "."));
            self.contacts.push(ContactRow {
                partnership: p,
                job_title: job_title(type_code, is_feminine(&name)),
                name,
                email,
            });
        }
    }

    fn maison(&mut self, copy: u32, g: usize, e: &Epci, grenelle: Option<i32>, pilot: bool) {
        let s = suffix(copy);
        let name = match e.siren.as_str() {
            "200093201" => "Maison de l'emploi de Lille Métropole".to_owned(),
            "245400676" => "Maison de l'emploi du Grand Nancy".to_owned(),
            "200067106" => "Maison de l'emploi de Bayonne – Pays Basque".to_owned(),
            _ if e.kind == "CC" => {
                format!(
                    "Maison de l'emploi {}",
                    of_place(&territory_of_epci(&e.name))
                )
            }
            _ => format!("Maison de l'emploi {}", of_place(&e.city)),
        };
        let domain = format!("mde-{}{}.example.org", slug(&e.city), domain_suffix(copy));
        let convention_date = NaiveDate::from_ymd_opt(2005, 9, 1)
            .unwrap_or_default()
            .checked_add_days(Days::new((g as u64 * 37) % 1100))
            .unwrap_or_default();
        let postal_code = match e.dept.as_str() {
            "2A" | "2B" => "20000".to_owned(),
            d if d.len() == 3 => format!("{d}00"),
            d => format!("{d}000"),
        };
        let m = self.maisons.len();
        // Drawn like every other demo person, so that nobody is both a president and someone else.
        let president = self.next_person();
        let director = self.next_person();
        self.maisons.push(MaisonRow {
            name: format!("{name}{s}"),
            legal_form: if g % 4 == 1 { "gip" } else { "association" },
            region: e.region.clone(),
            dept: e.dept.clone(),
            address: format!(
                "{} {}",
                1 + g % 120,
                super::names::STREETS[g % super::names::STREETS.len()]
            ),
            postal_code,
            city: e.city.clone(),
            website: format!("https://{domain}"),
            email: format!("contact@{domain}"),
            phone: phone(&e.region, g),
            president,
            director,
            convention_date,
            grenelle_year: grenelle,
            pilot,
            epci: e.siren.clone(),
            copy,
        });
        self.staff(m, g, copy, e, &domain);
        self.partners_of(m, g, copy, e, grenelle.is_some(), convention_date);
    }

    fn staff(&mut self, m: usize, g: usize, copy: u32, e: &Epci, domain: &str) {
        let lille = copy == 0 && e.siren == PILOTS[0];
        let people: Vec<(String, String, bool)> = if lille {
            vec![
                (
                    "responsable@mde-lille.example.org".into(),
                    "Karim Benali".into(),
                    true,
                ),
                (
                    "chargee@mde-lille.example.org".into(),
                    "Sophie Lefebvre".into(),
                    false,
                ),
            ]
        } else {
            let mut v = vec![(
                self.unique_email("direction", domain),
                self.next_person(),
                true,
            )];
            if g.is_multiple_of(2) {
                v.push((
                    self.unique_email("mission", domain),
                    self.next_person(),
                    false,
                ));
            }
            v
        };
        for (email, name, responsable) in people {
            self.emails.insert(email.clone());
            self.accounts.push(AccountRow {
                email,
                name,
                role: "staff",
                maison: Some(m),
                org: None,
                responsable,
            });
        }
    }

    fn partners_of(
        &mut self,
        m: usize,
        g: usize,
        copy: u32,
        e: &Epci,
        grenelle: bool,
        since: NaiveDate,
    ) {
        let seat = Seat {
            m,
            g,
            s: suffix(copy),
            e,
            r: self.regional(copy, e),
            d: self.departmental(copy, e),
        };
        self.founders(&seat, since);
        let later = since.checked_add_days(Days::new(400)).unwrap_or(since);
        self.joined_later(&seat, grenelle, later);
    }

    /// The Maison's founding members and copil, partners since its convention: the State, France
    /// Travail, its EPCI, the Region, the Département, its town and mission locale.
    fn founders(&mut self, seat: &Seat<'_>, since: NaiveDate) {
        let Seat { m, g, s, e, r, d } = seat;
        let (m, g) = (*m, *g);
        let epci = self.org(format!("{}{s}", e.name), "epci", &e.region);
        let ville = self.org(
            format!("Ville {}{s}", of_place(&e.city)),
            "commune",
            &e.region,
        );
        let ml = self.org(
            format!("Mission locale {}{s}", of_place(&e.city)),
            "mission_locale",
            &e.region,
        );
        // The founding members of the 2009 cahier des charges; every 23rd Maison lacks France Travail's
        // signature, so the warning shows somewhere in the demo.
        self.partner(m, r.dreets, "membre_constitutif,copil", since);
        let ft_roles = if g % 23 == 22 {
            "copil"
        } else {
            "membre_constitutif,copil"
        };
        self.partner(m, r.france_travail, ft_roles, since);
        self.partner(m, epci, "membre_constitutif,copil,financeur", since);
        self.partner(m, r.region, "copil,financeur", since);
        self.partner(m, d.departement, "copil,financeur", since);
        self.partner(m, ville, "copil,financeur", since);
        self.partner(m, ml, "copil,operateur", since);
    }

    /// The partners that joined later: the building trades, training, ADEME for the Grenelle Maisons,
    /// and a few local ones (a PLIE, France Rénov', a firm, an association), some Maisons each.
    fn joined_later(&mut self, seat: &Seat<'_>, grenelle: bool, later: NaiveDate) {
        let Seat { m, g, s, e, r, d } = seat;
        let (m, g) = (*m, *g);
        let territory = territory_of_epci(&e.name);
        self.partner(m, d.cci, "copil", later);
        self.partner(m, d.greta, "operateur", later);
        self.partner(m, d.cap_emploi, "associe", later);
        if grenelle || g.is_multiple_of(3) {
            let roles = if grenelle {
                "copil,financeur"
            } else {
                "associe"
            };
            self.partner(m, r.ademe, roles, later);
        }
        if g % 3 != 2 {
            self.partner(m, d.capeb, "associe,operateur", later);
        }
        if g.is_multiple_of(2) {
            self.partner(m, r.cma, "associe", later);
            self.partner(m, d.ffb, "associe", later);
            let plie = self.org(
                format!("PLIE {}{s}", of_place(&territory)),
                "plie",
                &e.region,
            );
            self.partner(m, plie, "operateur", later);
        } else {
            self.partner(m, r.afpa, "operateur", later);
        }
        if grenelle || g.is_multiple_of(4) {
            self.partner(m, r.opco, "financeur", later);
            let renov = self.org(
                format!("Espace Conseil France Rénov' {}{s}", of_place(&e.city)),
                "logement_energie",
                &e.region,
            );
            self.partner(m, renov, "operateur", later);
        }
        if g.is_multiple_of(5) {
            self.partner(m, r.scop, "associe", later);
        }
        if g % 4 == 1 {
            self.partner(m, d.agriculture, "associe", later);
        }
        if g.is_multiple_of(3) {
            self.partner(m, d.geiq, "operateur", later);
        }
        if g % 5 == 2 {
            self.partner(m, d.adil, "associe", later);
        }
        if g % 4 == 3 {
            let surname = LAST_NAMES[g % LAST_NAMES.len()];
            let firm = self.org(
                format!("{surname} Rénovation SARL{s}"),
                "entreprise",
                &e.region,
            );
            self.partner(m, firm, "associe", later);
        }
        if g % 3 == 2 {
            let asso = self.org(
                format!("Mobilité solidaire {}{s}", of_place(&e.city)),
                "association",
                &e.region,
            );
            self.partner(m, asso, "operateur", later);
        }
    }
}

/// A Maison being built and what its partners are chosen from: its index (`m`), its rank in the whole
/// generation (`g`), its copy's name suffix, its territory, and the organisations of its region and
/// département.
struct Seat<'a> {
    m: usize,
    g: usize,
    s: String,
    e: &'a Epci,
    r: RegionalOrgs,
    d: DepartmentalOrgs,
}

fn phone(region: &str, g: usize) -> String {
    let prefix = match region {
        "11" => "01",
        "24" | "28" | "52" | "53" => "02",
        "27" | "32" | "44" => "03",
        "84" | "93" | "94" => "04",
        "01" => "05 90",
        "02" => "05 96",
        "03" => "05 94",
        "04" => "02 62",
        _ => "05",
    };
    let n = (g * 7_919) % 1_000_000;
    let groups = format!("{:02} {:02} {:02}", n / 10_000, n / 100 % 100, n % 100);
    if prefix.len() > 2 {
        format!("{prefix} {groups}")
    } else {
        format!("{prefix} {:02} {groups}", 10 + g % 90)
    }
}

pub async fn seed(conn: &mut PgConnection, scale: u32, hash: &str) -> anyhow::Result<Network> {
    let all: Vec<Epci> = sqlx::query_as(
        "select e.siren, e.name, e.kind, e.population::bigint as population, d.code as dept,
                d.name as dept_name, d.region_code as region, r.name as region_name,
                coalesce(c.name, e.name) as city
         from epci e
         left join lateral (select name, departement_code from commune where epci_siren = e.siren
                            order by population desc, code limit 1) c on true
         join departement d on d.code = coalesce(c.departement_code, e.departement_codes[1])
         join region r on r.code = d.region_code
         order by e.siren",
    )
    .fetch_all(&mut *conn)
    .await?;
    let picked = pick_territories(&all);
    anyhow::ensure!(
        picked.len() == NETWORK_SIZE,
        "référentiel géographique incomplet : {} EPCI retenus",
        picked.len()
    );
    let grenelle = pick_grenelle(&picked);

    let mut b = Builder::default();
    b.emails.insert("admin@ave.example.org".into());
    for copy in 0..scale {
        for (i, e) in picked.iter().enumerate() {
            let g = copy as usize * NETWORK_SIZE + i;
            let pilot = copy == 0 && i < PILOTS.len();
            b.maison(copy, g, e, grenelle.get(&i).copied(), pilot);
        }
    }
    write(conn, b, scale, hash).await
}

async fn write(
    conn: &mut PgConnection,
    b: Builder,
    scale: u32,
    hash: &str,
) -> anyhow::Result<Network> {
    let maison_ids = insert_maisons(conn, &b.maisons).await?;
    let org_ids = insert_organisations(conn, &b.orgs).await?;
    insert_partnerships(conn, &b, &maison_ids, &org_ids).await?;
    let mut accounts = vec![AccountRow {
        email: "admin@ave.example.org".into(),
        name: "Claire Martin".into(),
        role: "admin",
        maison: None,
        org: None,
        responsable: false,
    }];
    accounts.extend(b.accounts);
    let account_ids = insert_accounts(conn, &accounts, &maison_ids, &org_ids, hash).await?;
    Ok(describe(
        scale,
        &b.maisons,
        &b.partnerships,
        &accounts,
        Ids {
            maisons: &maison_ids,
            orgs: &org_ids,
            accounts: &account_ids,
        },
    ))
}

/// The Maisons and their territories; returns their ids, in the rows' order.
async fn insert_maisons(conn: &mut PgConnection, m: &[MaisonRow]) -> sqlx::Result<Vec<i64>> {
    let maison_ids = reserve_ids(conn, "maison", m.len()).await?;
    sqlx::query(
        "insert into maison (id, name, legal_form, region_code, departement_code, address, postal_code, city,
                             website, email, phone, president, director, convention_date, conventionnee,
                             grenelle_year, grenelle_pilot)
         select id, name, lf, r, d, a, pc, c, w, e, ph, pr, di, cd, true, gy, gp
         from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::date[],
                     $15::int[], $16::bool[])
              as t(id, name, lf, r, d, a, pc, c, w, e, ph, pr, di, cd, gy, gp)",
    )
    .bind(&maison_ids)
    .bind(m.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.legal_form).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.region.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.dept.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.address.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.postal_code.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.city.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.website.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.email.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.phone.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.president.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.director.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.convention_date).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.grenelle_year).collect::<Vec<_>>())
    .bind(m.iter().map(|x| x.pilot).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into maison_epci (maison_id, epci_siren) select * from unnest($1::bigint[], $2::text[])",
    )
    .bind(&maison_ids)
    .bind(m.iter().map(|x| x.epci.clone()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;

    Ok(maison_ids)
}

/// The organisations; returns their ids, in the rows' order.
async fn insert_organisations(conn: &mut PgConnection, o: &[OrgRow]) -> sqlx::Result<Vec<i64>> {
    let org_ids = reserve_ids(conn, "organisation", o.len()).await?;
    sqlx::query(
        "insert into organisation (id, name, type_code, siret, region_code, website, email)
         select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                              $7::text[])",
    )
    .bind(&org_ids)
    .bind(o.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    .bind(o.iter().map(|x| x.type_code).collect::<Vec<_>>())
    .bind(o.iter().map(|x| x.siret.clone()).collect::<Vec<_>>())
    .bind(o.iter().map(|x| x.region.clone()).collect::<Vec<_>>())
    .bind(o.iter().map(|x| x.website.clone()).collect::<Vec<_>>())
    .bind(o.iter().map(|x| x.email.clone()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;

    Ok(org_ids)
}

/// The partnerships and their contact people.
async fn insert_partnerships(
    conn: &mut PgConnection,
    b: &Builder,
    maison_ids: &[i64],
    org_ids: &[i64],
) -> sqlx::Result<()> {
    let p = &b.partnerships;
    let partnership_ids = reserve_ids(conn, "partnership", p.len()).await?;
    sqlx::query(
        "insert into partnership (id, maison_id, organisation_id, roles, since)
         select id, m, o, string_to_array(r, ','), s
         from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::date[]) as t(id, m, o, r, s)",
    )
    .bind(&partnership_ids)
    .bind(p.iter().map(|x| maison_ids[x.maison]).collect::<Vec<_>>())
    .bind(p.iter().map(|x| org_ids[x.org]).collect::<Vec<_>>())
    .bind(p.iter().map(|x| x.roles).collect::<Vec<_>>())
    .bind(p.iter().map(|x| x.since).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;

    let c = &b.contacts;
    sqlx::query(
        "insert into partnership_contact (partnership_id, name, job_title, email)
         select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[])",
    )
    .bind(
        c.iter()
            .map(|x| partnership_ids[x.partnership])
            .collect::<Vec<_>>(),
    )
    .bind(c.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.job_title).collect::<Vec<_>>())
    .bind(c.iter().map(|x| x.email.clone()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;

    Ok(())
}

/// Every account, with the one demo password's hash; returns their ids, in the rows' order.
async fn insert_accounts(
    conn: &mut PgConnection,
    accounts: &[AccountRow],
    maison_ids: &[i64],
    org_ids: &[i64],
    hash: &str,
) -> sqlx::Result<Vec<i64>> {
    let account_ids = reserve_ids(conn, "account", accounts.len()).await?;
    sqlx::query(
        "insert into account (id, email, name, role, maison_id, organisation_id, responsable, password_hash)
         select id, e, n, r, m, o, resp, $8
         from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bool[])
              as t(id, e, n, r, m, o, resp)",
    )
    .bind(&account_ids)
    .bind(accounts.iter().map(|x| x.email.clone()).collect::<Vec<_>>())
    .bind(accounts.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    .bind(accounts.iter().map(|x| x.role).collect::<Vec<_>>())
    .bind(accounts.iter().map(|x| x.maison.map(|i| maison_ids[i])).collect::<Vec<_>>())
    .bind(accounts.iter().map(|x| x.org.map(|i| org_ids[i])).collect::<Vec<_>>())
    .bind(accounts.iter().map(|x| x.responsable).collect::<Vec<_>>())
    .bind(hash)
    .execute(&mut *conn)
    .await?;

    Ok(account_ids)
}

/// The ids the rows were written under, by row index.
struct Ids<'a> {
    maisons: &'a [i64],
    orgs: &'a [i64],
    accounts: &'a [i64],
}

/// The description the other demo seeders build on.
fn describe(
    scale: u32,
    m: &[MaisonRow],
    p: &[PartnershipRow],
    accounts: &[AccountRow],
    ids: Ids<'_>,
) -> Network {
    let Ids {
        maisons: maison_ids,
        orgs: org_ids,
        accounts: account_ids,
    } = ids;
    let mut seeded: Vec<SeededMaison> = m
        .iter()
        .zip(maison_ids)
        .map(|(row, id)| SeededMaison {
            id: *id,
            name: row.name.clone(),
            region_code: row.region.clone(),
            departement_code: row.dept.clone(),
            city: row.city.clone(),
            copy: row.copy,
            grenelle_year: row.grenelle_year,
            pilot: row.pilot,
            responsable_id: 0,
            staff_ids: Vec::new(),
            partner_organisation_ids: Vec::new(),
            copil_organisation_ids: Vec::new(),
        })
        .collect();
    for x in p {
        let s = &mut seeded[x.maison];
        s.partner_organisation_ids.push(org_ids[x.org]);
        if x.roles.contains("copil") {
            s.copil_organisation_ids.push(org_ids[x.org]);
        }
    }
    let mut partners = Vec::new();
    for (row, id) in accounts.iter().zip(account_ids) {
        if let Some(mi) = row.maison {
            let s = &mut seeded[mi];
            if row.responsable {
                s.responsable_id = *id;
                s.staff_ids.insert(0, *id);
            } else {
                s.staff_ids.push(*id);
            }
        }
        if let Some(oi) = row.org {
            partners.push(SeededPartner {
                account_id: *id,
                organisation_id: org_ids[oi],
            });
        }
    }
    Network {
        scale,
        admin_id: account_ids[0],
        maisons: seeded,
        partners,
    }
}
