// What @huggingface/hub (the JavaScript client) makes of hfcache's caches and mirror.
//
//   node probe.mjs scan CACHE_DIR                       scanCacheDir: repos, revisions, files, warnings
//   node probe.mjs cached CACHE_DIR REPO COMMIT FILE... downloadFileToCacheDir at a commit: answered from
//                                                       the cache (no request when the file is there)
//   node probe.mjs snapshot CACHE_DIR REPO REVISION     snapshotDownload from HF_ENDPOINT
//
// Prints one JSON object on stdout; on an error {"error": "..."} and exit code 1.
import { downloadFileToCacheDir, scanCacheDir, snapshotDownload } from "@huggingface/hub";

const [command, cacheDir, ...rest] = process.argv.slice(2);
const hubUrl = process.env.HF_ENDPOINT;
// Every request the client makes, so a test can tell an offline answer from a download.
const requests = [];
const fetchLogged = (url, init) => {
	requests.push({ url: String(url), method: init?.method ?? "GET", range: init?.headers?.Range ?? null });
	return fetch(url, init);
};

async function main() {
	switch (command) {
		case "scan": {
			const info = await scanCacheDir(cacheDir);
			return {
				size: info.size,
				warnings: info.warnings.map((w) => String(w.message ?? w)),
				repos: info.repos.map((r) => ({
					id: `${r.id.type}:${r.id.name}`,
					size: r.size,
					filesCount: r.filesCount,
					revisions: r.revisions.map((v) => ({
						commit: v.commitOid,
						refs: v.refs,
						files: v.files.map((f) => ({ path: f.path, size: f.blob.size })),
					})),
				})),
			};
		}
		case "cached": {
			const [repo, commit, ...files] = rest;
			const paths = {};
			for (const path of files) {
				paths[path] = await downloadFileToCacheDir({ repo, path, revision: commit, cacheDir, hubUrl, fetch: fetchLogged });
			}
			return { paths, requests };
		}
		case "snapshot": {
			const [repo, revision] = rest;
			const snapshot = await snapshotDownload({ repo, revision, cacheDir, hubUrl, fetch: fetchLogged });
			return { snapshot, requests };
		}
		default:
			throw new Error(`unknown command ${command}`);
	}
}

main().then(
	(out) => console.log(JSON.stringify(out)),
	(error) => {
		console.log(JSON.stringify({ error: String(error?.stack ?? error) }));
		process.exit(1);
	},
);
