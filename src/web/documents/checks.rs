//! What the store accepts: the file's type, checked on its name and on its first bytes, its size, and its
//! name, cleaned once on the way in.

pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The French message of a file over `MAX_BYTES`.
pub const TOO_LARGE: &str = "Le fichier dépasse la taille maximale de 10 Mo.";

/// Accepted kinds: extension, MIME type, French label, and the signature the content must start with.
const KINDS: &[(&str, &str, &str, &[u8])] = &[
    ("pdf", "application/pdf", "PDF", b"%PDF-"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word",
        b"PK\x03\x04",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel",
        b"PK\x03\x04",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint",
        b"PK\x03\x04",
    ),
    (
        "odt",
        "application/vnd.oasis.opendocument.text",
        "OpenDocument texte",
        b"PK\x03\x04",
    ),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        "OpenDocument tableur",
        b"PK\x03\x04",
    ),
    (
        "odp",
        "application/vnd.oasis.opendocument.presentation",
        "OpenDocument présentation",
        b"PK\x03\x04",
    ),
    (
        "doc",
        "application/msword",
        "Word 97-2003",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
    ),
    (
        "xls",
        "application/vnd.ms-excel",
        "Excel 97-2003",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
    ),
    (
        "ppt",
        "application/vnd.ms-powerpoint",
        "PowerPoint 97-2003",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
    ),
    ("jpg", "image/jpeg", "photo JPEG", b"\xFF\xD8\xFF"),
    ("jpeg", "image/jpeg", "photo JPEG", b"\xFF\xD8\xFF"),
    ("png", "image/png", "image PNG", b"\x89PNG\r\n\x1A\n"),
];

/// The extensions the file inputs offer (`accept`).
pub const ACCEPT: &str = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.jpg,.jpeg,.png";

pub fn kind_label(content_type: &str) -> &'static str {
    KINDS
        .iter()
        .find(|k| k.1 == content_type)
        .map(|k| k.2)
        .unwrap_or("document")
}

/// The MIME type of an acceptable file, or a French reason for refusing it.
pub fn check_file(filename: &str, data: &[u8]) -> Result<&'static str, String> {
    if data.is_empty() {
        return Err("Le fichier est vide.".into());
    }
    if data.len() > MAX_BYTES {
        return Err(TOO_LARGE.into());
    }
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(kind) = KINDS.iter().find(|k| k.0 == ext) else {
        return Err(
            "Type de fichier non accepté : joignez un PDF, un document bureautique (Word, Excel, PowerPoint, \
             OpenDocument) ou une photo (JPEG, PNG)."
                .into(),
        );
    };
    if !data.starts_with(kind.3) {
        return Err(format!(
            "Le contenu du fichier ne correspond pas à son extension « .{ext} » : il n'a pas été accepté."
        ));
    }
    Ok(kind.1)
}

/// Invisible characters that change how a name reads without being seen: bidirectional embeddings,
/// overrides and isolates (`photo<U+202E>fdp.exe` shows as `photoexe.pdf`), direction marks, zero-width
/// characters and joiners, word joiners and invisible operators, the byte-order mark, interlinear
/// annotation marks, line and paragraph separators, the soft hyphen.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// The one place an uploaded file's name is accepted: no path, no control character, no invisible format
/// character (so that the name shown is the name stored), no `"`; at most 200 characters. The file is
/// then judged on this cleaned name.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c) && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || (cleaned.starts_with('.') && !cleaned[1..].contains('.')) {
        format!("document{cleaned}")
    } else {
        cleaned.to_owned()
    }
}

/// The name as an ASCII `filename=` of a `Content-Disposition` (the UTF-8 one goes in `filename*`).
pub fn ascii_name(filename: &str) -> String {
    filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A size in French: « 12 ko », « 1,4 Mo ».
pub fn size_label(size_bytes: i32) -> String {
    let b = f64::from(size_bytes);
    if b >= 1024.0 * 1024.0 {
        format!(
            "{}\u{a0}Mo",
            crate::web::format::decimal(b / 1024.0 / 1024.0, 1)
        )
    } else {
        format!(
            "{}\u{a0}ko",
            crate::web::format::decimal((b / 1024.0).max(1.0), 0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_checked_on_name_and_content() {
        assert_eq!(
            check_file("étude.PDF", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert_eq!(
            check_file("liste d'émargement.jpg", b"\xFF\xD8\xFF\xE0..."),
            Ok("image/jpeg")
        );
        assert!(check_file("photo.png", b"%PDF-1.7").is_err());
        assert!(check_file("etude.pdf", b"<html>").is_err());
        assert!(check_file("virus.exe", b"MZ").is_err());
        assert!(check_file("vide.pdf", b"").is_err());
        let big = vec![b'%'; MAX_BYTES + 1];
        assert_eq!(check_file("gros.pdf", &big), Err(TOO_LARGE.to_owned()));
        assert_eq!(
            clean_name("C:\\docs\\rapport \"final\".pdf"),
            "rapport final.pdf"
        );
        assert_eq!(
            clean_name("rap\u{200B}port\u{2066}\u{202E}gpj.\u{2069}\u{200E}\u{FEFF}pdf"),
            "rapportgpj.pdf"
        );
        assert_eq!(clean_name("\u{202E}\u{200F}.pdf"), "document.pdf");
        assert_eq!(clean_name("  "), "document");
        assert_eq!(clean_name("a\u{2028}b\u{AD}c\u{61C}.odt"), "abc.odt");
        assert_eq!(clean_name(".profile.pdf"), ".profile.pdf");
        let shown_as_pdf = clean_name("photo\u{202E}fdp.exe");
        assert!(check_file(&shown_as_pdf, b"MZ").is_err());
        assert_eq!(ascii_name("étude « 1 ».pdf"), "_tude _ 1 _.pdf");
        assert_eq!(size_label(2_000), "2\u{a0}ko");
        assert_eq!(size_label(3 * 1024 * 1024 / 2), "1,5\u{a0}Mo");
    }
}
