//! The archive's LISEZMOI.txt.

use chrono::{DateTime, Utc};

use super::cells::moment;

/// The archive's LISEZMOI.txt: what the archive is, then one line per file.
pub(super) fn readme(
    name: &str,
    maison_id: i64,
    now: DateTime<Utc>,
    tables: &[(&str, &str, usize)],
    documents: usize,
) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Données de la Maison « {name} » (n° {maison_id}), exportées du Portail des Maisons de l'Emploi le \
         {} (heure de Paris).\r\n\r\n",
        moment(now)
    ));
    s.push_str(
        "Toutes les tables ont été lues au même instant. Chaque table est là deux fois : en CSV dans le \
         dossier csv/ (UTF-8, séparateur point-virgule, virgule décimale : s'ouvre tel quel dans Excel ou \
         LibreOffice en français ; un texte qui commence par = + - ou @ y est précédé d'une apostrophe pour \
         ne pas être lu comme une formule) et comme une feuille du classeur ",
    );
    s.push_str(&format!(
        "maison-{maison_id}.xlsx (nombres et montants en nombres). Les dates sont au format JJ/MM/AAAA, les \
         heures à l'heure de Paris ; les montants sont en euros ; les colonnes « N° » relient les tables \
         entre elles (par exemple « N° du diagnostic »).\r\n\r\n"
    ));
    s.push_str("Fichiers :\r\n");
    s.push_str("- LISEZMOI.txt : ce fichier.\r\n");
    s.push_str(&format!(
        "- maison-{maison_id}.xlsx : toutes les tables ci-dessous, une feuille par table.\r\n"
    ));
    for (file, about, rows) in tables {
        s.push_str(&format!(
            "- csv/{file}.csv : {about} ({rows} ligne{}).\r\n",
            if *rows > 1 { "s" } else { "" }
        ));
    }
    s.push_str(&format!(
        "- documents/ : les documents joints aux diagnostics et aux fiches actions ({documents}), tels \
         qu'ils ont été déposés, un dossier par diagnostic (diagnostic-N°) et par fiche action (action-N°) ; \
         chaque nom commence par le numéro du document (voir csv/documents.csv).\r\n\r\n"
    ));
    s.push_str(
        "Ne figurent pas dans l'archive : les mots de passe, les sessions et les liens de connexion, les \
         organisations partenaires au-delà de leurs coordonnées, et les données de référence du réseau \
         (géographie, catalogue des indicateurs, axes du cahier des charges), qui sont communes à toutes les \
         Maisons.\r\n",
    );
    s
}
