//! Server-rendered SVG: a tile map of the French regions coloured by progress, and horizontal bar charts.
//! The figures come from SQL aggregates; this module only places them. Every chart is drawn beside a table
//! carrying the same figures, and each tile or bar also prints its number, so colour is never the only
//! carrier of meaning. Fills are presentation attributes (the CSP forbids inline styles).

use crate::web::format;

/// Five progress classes, light to dark, each with a text colour of at least 4.5:1 contrast on it.
const CLASSES: [(&str, &str, &str); 5] = [
    ("#e6eef9", "#1e2430", "de 0 à 19 %"),
    ("#b9d0ec", "#1e2430", "de 20 à 39 %"),
    ("#8fb3de", "#1e2430", "de 40 à 59 %"),
    ("#3f73b5", "#ffffff", "de 60 à 79 %"),
    ("#143a6b", "#ffffff", "de 80 à 100 %"),
];
const NO_DATA: (&str, &str) = ("#ffffff", "#1e2430");

fn class_of(pct: f64) -> usize {
    ((pct.clamp(0.0, 100.0) / 20.0).floor() as usize).min(4)
}

pub struct LegendItem {
    pub fill: &'static str,
    pub label: &'static str,
    pub y: i32,
    pub text_y: i32,
}

pub fn legend() -> Vec<LegendItem> {
    CLASSES
        .iter()
        .enumerate()
        .map(|(i, (fill, _, label))| LegendItem {
            fill,
            label,
            y: 20 + i as i32 * 26,
            text_y: 35 + i as i32 * 26,
        })
        .collect()
}

/// Where each region sits on the tile grid (column, row): metropolitan France roughly in place, the
/// overseas regions on a row below.
fn tile_position(code: &str) -> Option<(i32, i32, &'static str)> {
    Some(match code {
        "32" => (2, 0, "HDF"),
        "53" => (0, 1, "BRE"),
        "28" => (1, 1, "NOR"),
        "11" => (2, 1, "IDF"),
        "44" => (3, 1, "GES"),
        "52" => (0, 2, "PDL"),
        "24" => (1, 2, "CVL"),
        "27" => (2, 2, "BFC"),
        "75" => (1, 3, "NAQ"),
        "84" => (2, 3, "ARA"),
        "76" => (1, 4, "OCC"),
        "93" => (2, 4, "PAC"),
        "94" => (3, 4, "COR"),
        "01" => (0, 6, "GUA"),
        "02" => (1, 6, "MTQ"),
        "03" => (2, 6, "GUF"),
        "04" => (3, 6, "LRE"),
        "06" => (4, 6, "MAY"),
        _ => return None,
    })
}

pub const TILE: i32 = 92;
pub const GAP: i32 = 6;

pub struct Tile {
    pub code: String,
    pub name: String,
    pub abbr: &'static str,
    pub x: i32,
    pub y: i32,
    pub text_x: i32,
    pub abbr_y: i32,
    pub value_y: i32,
    pub fill: &'static str,
    pub text_fill: &'static str,
    pub value: String,
}

pub struct RegionFigure {
    pub code: String,
    pub name: String,
    pub maisons: i64,
    pub actions: i64,
    pub realisees: i64,
    pub progress: Option<f64>,
}

pub fn tiles(regions: &[RegionFigure]) -> Vec<Tile> {
    regions
        .iter()
        .filter_map(|r| {
            let (col, row, abbr) = tile_position(&r.code)?;
            let x = col * (TILE + GAP);
            let y = row * (TILE + GAP) - if row == 6 { TILE / 2 } else { 0 };
            let (fill, text_fill, value) = match r.progress {
                Some(p) if r.actions > 0 => {
                    let (f, t, _) = CLASSES[class_of(p)];
                    (f, t, format!("{} %", format::decimal(p, 0)))
                }
                _ => (NO_DATA.0, NO_DATA.1, "—".to_owned()),
            };
            Some(Tile {
                code: r.code.clone(),
                name: r.name.clone(),
                abbr,
                x,
                y,
                text_x: x + TILE / 2,
                abbr_y: y + 38,
                value_y: y + 64,
                fill,
                text_fill,
                value,
            })
        })
        .collect()
}

pub struct Bar {
    pub label: String,
    pub value: String,
    pub y: i32,
    pub text_y: i32,
    pub width: i32,
}

pub struct BarChart {
    pub id: &'static str,
    pub title: String,
    pub desc: String,
    pub height: i32,
    pub bars: Vec<Bar>,
}

pub const BAR_LABEL_WIDTH: i32 = 300;
pub const BAR_MAX: i32 = 320;

/// Bars of percentages (0–100), one per (label, percentage, shown value).
pub fn bar_chart(
    id: &'static str,
    title: &str,
    desc: &str,
    items: Vec<(String, f64, String)>,
) -> BarChart {
    let bars: Vec<Bar> = items
        .into_iter()
        .enumerate()
        .map(|(i, (label, pct, value))| Bar {
            label,
            value,
            y: 10 + i as i32 * 30,
            text_y: 27 + i as i32 * 30,
            width: ((pct.clamp(0.0, 100.0) / 100.0) * BAR_MAX as f64).round() as i32,
        })
        .collect();
    BarChart {
        id,
        title: title.to_owned(),
        desc: desc.to_owned(),
        height: 20 + bars.len() as i32 * 30,
        bars,
    }
}

impl Bar {
    pub fn bar_x(&self) -> i32 {
        BAR_LABEL_WIDTH
    }
    pub fn value_x(&self) -> i32 {
        BAR_LABEL_WIDTH + self.width + 6
    }
}

impl BarChart {
    pub fn width(&self) -> i32 {
        BAR_LABEL_WIDTH + BAR_MAX + 80
    }
    pub fn label_x(&self) -> i32 {
        BAR_LABEL_WIDTH - 8
    }
}
