//! hfhub-interop: what the Rust hf-hub client makes of hfcache's caches and mirror.
//!
//!   hfhub-interop cached CACHE_DIR REPO_ID REVISION FILE...   read from the cache, offline
//!   hfhub-interop download CACHE_DIR REPO_ID REVISION FILE... download with HF_ENDPOINT
//!   hfhub-interop siblings REPO_ID                              the repo's file list (HF_ENDPOINT)
//!
//! Prints one JSON object: {"FILE": "/path/in/snapshot"} (null when not cached), or
//! {"error": "..."} and exits 1.
use std::path::PathBuf;
use std::process::ExitCode;

use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};
use serde_json::{json, Map, Value};

fn fail(message: String) -> ExitCode {
    println!("{}", json!({ "error": message }));
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| "https://huggingface.co".to_string());
    match args.first().map(String::as_str) {
        Some("cached") if args.len() >= 4 => {
            let cache = Cache::new(PathBuf::from(&args[1]));
            let repo = cache.repo(Repo::with_revision(args[2].clone(), RepoType::Model, args[3].clone()));
            let mut out = Map::new();
            for file in &args[4..] {
                out.insert(file.clone(), repo.get(file).map(|p| json!(p)).unwrap_or(Value::Null));
            }
            println!("{}", Value::Object(out));
            ExitCode::SUCCESS
        }
        Some("download") if args.len() >= 4 => {
            let api = match ApiBuilder::new()
                .with_cache_dir(PathBuf::from(&args[1]))
                .with_endpoint(endpoint)
                .with_progress(false)
                .build()
            {
                Ok(api) => api,
                Err(e) => return fail(format!("building the client: {e}")),
            };
            let repo = api.repo(Repo::with_revision(args[2].clone(), RepoType::Model, args[3].clone()));
            let mut out = Map::new();
            for file in &args[4..] {
                match repo.download(file) {
                    Ok(path) => {
                        out.insert(file.clone(), json!(path));
                    }
                    Err(e) => return fail(format!("{file}: {e}")),
                }
            }
            println!("{}", Value::Object(out));
            ExitCode::SUCCESS
        }
        Some("siblings") if args.len() == 2 => {
            let api = match ApiBuilder::new().with_endpoint(endpoint).with_progress(false).build() {
                Ok(api) => api,
                Err(e) => return fail(format!("building the client: {e}")),
            };
            match api.model(args[1].clone()).info() {
                Ok(info) => {
                    let names: Vec<String> = info.siblings.into_iter().map(|s| s.rfilename).collect();
                    println!("{}", json!({ "siblings": names, "sha": info.sha }));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("info: {e}")),
            }
        }
        _ => fail("usage: hfhub-interop cached|download CACHE REPO REVISION FILE... | siblings REPO".to_string()),
    }
}
