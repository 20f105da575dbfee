//! `/openapi.json` and `/docs`, a self-contained page listing the operations (no external
//! assets, so it works offline).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use crate::openapi::ApiDoc;
use crate::state::AppState;

/// `/openapi.json` and `/docs` (outside the rate limit, like the health checks).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(page))
}

fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// The OpenAPI 3.1 document.
pub async fn openapi_json() -> Response {
    match serde_json::to_string(document()) {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(err) => crate::error::ApiError::internal(err).into_response(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain HTML list of the operations.
pub async fn page() -> Html<String> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(render).clone())
}

fn render() -> String {
    let doc = document();
    let mut rows = String::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let summary = op
                .summary
                .as_deref()
                .or(op.description.as_deref())
                .unwrap_or("");
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .map(String::as_str)
                .unwrap_or("");
            let statuses: Vec<&str> = op.responses.responses.keys().map(String::as_str).collect();
            rows.push_str(&format!(
                "<tr><td>{}</td><td class=m>{method}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                escape(tag),
                escape(path),
                escape(summary),
                escape(&statuses.join(", "))
            ));
        }
    }
    format!(
        "<!doctype html><html><head><meta charset=utf-8><title>PhysAlign API</title><style>\
body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.m{{font-weight:bold}}</style></head>\
<body><h1>PhysAlign API {}</h1><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a>. \
Errors: <code>{{\"error\":{{\"code\",\"message\",\"details\"}}}}</code>. \
Authenticate with <code>Authorization: Bearer &lt;access_token&gt;</code>.</p>\
<table><tr><th>Area</th><th>Method</th><th>Path</th><th>Summary</th><th>Responses</th></tr>\n{rows}</table></body></html>",
        escape(&doc.info.version)
    )
}
