//! hfhub1-interop: what the Rust hf-hub 1.x client makes of hfcache's caches and mirror.
//!
//!   hfhub1-interop cached CACHE_DIR REPO_ID REVISION FILE...   read from the cache, offline
//!   hfhub1-interop scan CACHE_DIR                              its cache scan: repos, revisions, files
//!   hfhub1-interop download CACHE_DIR REPO_ID REVISION FILE... download with HF_ENDPOINT
//!   hfhub1-interop snapshot CACHE_DIR REPO_ID REVISION          snapshot_download with HF_ENDPOINT
//!   hfhub1-interop siblings REPO_ID                              the repo's file list (HF_ENDPOINT)
//!
//! Prints one JSON object: {"FILE": "/path/in/snapshot"} (null when not cached), the scan,
//! {"snapshot": "/path/of/snapshot"}, or
//! {"error": "..."} and exits 1.
use std::path::PathBuf;
use std::process::ExitCode;

use hf_hub::{split_id, HFClient, HFClientSync, HFError};
use serde_json::{json, Map, Value};

fn fail(message: String) -> ExitCode {
    println!("{}", json!({ "error": message }));
    ExitCode::from(1)
}

/// A client on CACHE_DIR (when given) and HF_ENDPOINT; never a token from the machine it runs on.
fn client(cache_dir: Option<&str>) -> Result<HFClientSync, HFError> {
    let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| "https://huggingface.co".to_string());
    let mut builder = HFClient::builder().endpoint(endpoint);
    if let Some(dir) = cache_dir {
        builder = builder.cache_dir(PathBuf::from(dir));
    }
    builder.build_sync()
}

/// `cached` and `download`: one call of download_file per file, offline or through HF_ENDPOINT.
fn files(args: &[String], local_files_only: bool) -> ExitCode {
    let client = match client(Some(&args[1])) {
        Ok(c) => c,
        Err(e) => return fail(format!("building the client: {e}")),
    };
    let (owner, name) = split_id(&args[2]);
    let repo = client.model(owner, name);
    let mut out = Map::new();
    for file in &args[4..] {
        let result = repo
            .download_file()
            .filename(file.clone())
            .revision(args[3].clone())
            .local_files_only(local_files_only)
            .send();
        match result {
            Ok(path) => {
                out.insert(file.clone(), json!(path));
            }
            // Offline, "not in the cache" is an answer (null), as with the 0.4 probe.
            Err(HFError::LocalEntryNotFound { .. }) if local_files_only => {
                out.insert(file.clone(), Value::Null);
            }
            Err(e) => return fail(format!("{file}: {e}")),
        }
    }
    println!("{}", Value::Object(out));
    ExitCode::SUCCESS
}

fn scan(cache_dir: &str) -> ExitCode {
    let client = match client(Some(cache_dir)) {
        Ok(c) => c,
        Err(e) => return fail(format!("building the client: {e}")),
    };
    let info = match client.scan_cache().send() {
        Ok(info) => info,
        Err(e) => return fail(format!("scan_cache: {e}")),
    };
    let repos: Vec<Value> = info
        .repos
        .iter()
        .map(|repo| {
            let revisions: Vec<Value> = repo
                .revisions
                .iter()
                .map(|rev| {
                    let files: Map<String, Value> = rev
                        .files
                        .iter()
                        .map(|f| (f.file_name.clone(), json!({"path": f.file_path, "size": f.size_on_disk})))
                        .collect();
                    json!({"commit": rev.commit_hash, "refs": rev.refs, "files": files})
                })
                .collect();
            json!({"repo_id": repo.repo_id, "repo_type": repo.repo_type, "nb_files": repo.nb_files,
                   "size_on_disk": repo.size_on_disk, "revisions": revisions})
        })
        .collect();
    println!("{}", json!({"repos": repos, "size_on_disk": info.size_on_disk, "warnings": info.warnings}));
    ExitCode::SUCCESS
}

fn snapshot(cache_dir: &str, repo_id: &str, revision: &str) -> ExitCode {
    let client = match client(Some(cache_dir)) {
        Ok(c) => c,
        Err(e) => return fail(format!("building the client: {e}")),
    };
    let (owner, name) = split_id(repo_id);
    match client.model(owner, name).snapshot_download().revision(revision.to_string()).send() {
        Ok(path) => {
            println!("{}", json!({ "snapshot": path }));
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("snapshot_download: {e}")),
    }
}

fn siblings(repo_id: &str) -> ExitCode {
    let client = match client(None) {
        Ok(c) => c,
        Err(e) => return fail(format!("building the client: {e}")),
    };
    let (owner, name) = split_id(repo_id);
    match client.model(owner, name).info().send() {
        Ok(info) => {
            let names: Vec<String> = info.siblings.unwrap_or_default().into_iter().map(|s| s.rfilename).collect();
            println!("{}", json!({ "siblings": names, "sha": info.sha }));
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("info: {e}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("cached") if args.len() >= 4 => files(&args, true),
        Some("download") if args.len() >= 4 => files(&args, false),
        Some("scan") if args.len() == 2 => scan(&args[1]),
        Some("snapshot") if args.len() == 4 => snapshot(&args[1], &args[2], &args[3]),
        Some("siblings") if args.len() == 2 => siblings(&args[1]),
        _ => fail(
            "usage: hfhub1-interop cached|download CACHE REPO REVISION FILE... | snapshot CACHE REPO REVISION \
             | scan CACHE | siblings REPO"
                .to_string(),
        ),
    }
}
