//! Stylesheet, script and icon, embedded in the binary and served under a name that carries a hash of their
//! content, so that they can be cached for a year and still change with each release.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

struct Asset {
    stem: &'static str,
    ext: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    url: String,
}

fn asset(
    stem: &'static str,
    ext: &'static str,
    content_type: &'static str,
    body: &'static [u8],
) -> Asset {
    let digest = hex::encode(Sha256::digest(body));
    let url = format!("/static/{stem}.{}.{ext}", &digest[..12]);
    Asset {
        stem,
        ext,
        content_type,
        body,
        url,
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        asset(
            "app",
            "css",
            "text/css; charset=utf-8",
            include_bytes!("../../static/css/app.css"),
        ),
        asset(
            "app",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../static/js/app.js"),
        ),
        asset(
            "icon",
            "svg",
            "image/svg+xml",
            include_bytes!("../../static/img/icon.svg"),
        ),
    ]
});

fn url_of(stem: &str, ext: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.stem == stem && a.ext == ext)
        .map(|a| a.url.as_str())
        .unwrap_or("/static/missing")
}

pub fn css_url() -> &'static str {
    url_of("app", "css")
}

pub fn js_url() -> &'static str {
    url_of("app", "js")
}

pub fn icon_url() -> &'static str {
    url_of("icon", "svg")
}

pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let path = format!("/static/{file}");
    let asset = ASSETS
        .iter()
        .find(|a| a.url == path)
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.body,
    )
        .into_response())
}
