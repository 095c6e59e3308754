#include "hub/hub_client.hpp"

#include <set>

#include "hub/file_metadata.hpp"
#include "hub/hub_client_impl.hpp"
#include "hub/hub_json.hpp"
#include "http/link_header.hpp"

namespace hfcache::hub {
namespace {

// A listing with more pages than this is a server looping on its cursor (1000 entries per page).
constexpr int max_tree_pages = 10'000;

}  // namespace

HubClient::HubClient(HubOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HubClient::~HubClient() = default;

const HubOptions& HubClient::options() const { return impl_->options; }

std::vector<UpstreamState> HubClient::upstreams() const { return impl_->chain->states(); }

std::string HubClient::resolve_url(const core::RepoRef& repo, const std::string& revision,
                                   const std::string& path) const {
  return impl_->endpoint_texts[impl_->chain->order().front()] + "/" + std::string(repo.url_prefix()) + repo.id +
         "/resolve/" + http::quote_revision(revision) + "/" + http::quote_path(path);
}

std::string HubClient::resolve_commit(const core::RepoRef& repo, const std::string& revision,
                                      const CallLimits& limits) {
  return impl_->across_tiers(limits, [&](const std::string& base, const CallLimits& these) {
    auto url = parse_or_throw(base + "/api/" + std::string(core::plural(repo.type)) + "/" + repo.id + "/revision/" +
                                  http::quote_revision(revision),
                              "revision URL");
    auto context = impl_->context_for(url);
    context.repo = repo;
    context.revision = revision;
    auto answer = impl_->get_json(url, context, these);
    return parse_revision_sha(answer.response.body, answer.url.str());
  });
}

// Both go along the endpoint list like the content does: the access check of a node whose site is
// down would otherwise refuse what the next tier can still check and serve.
HubClient::Visibility HubClient::repo_visibility(const core::RepoRef& repo, const CallLimits& limits) {
  return impl_->across_tiers(limits, [&](const std::string& base, const CallLimits& these) {
    auto url = parse_or_throw(base + "/api/" + std::string(core::plural(repo.type)) + "/" + repo.id, "repo info URL");
    auto context = impl_->context_for(url);
    context.repo = repo;
    auto answer = impl_->get_json(url, context, these);
    return parse_visibility(answer.response.body, answer.url.str());
  });
}

void HubClient::auth_check(const core::RepoRef& repo, const CallLimits& limits) {
  impl_->across_tiers(limits, [&](const std::string& base, const CallLimits& these) {
    auto url = parse_or_throw(base + "/api/" + std::string(core::plural(repo.type)) + "/" + repo.id + "/auth-check",
                              "auth-check URL");
    auto context = impl_->context_for(url);
    context.repo = repo;
    impl_->get_json(url, context, these);  // any 2xx is a grant; refusals are thrown
    return true;
  });
}

std::unique_ptr<HubClient> HubClient::with_token(std::optional<std::string> token) const {
  auto options = impl_->options;
  options.token = std::move(token);
  auto client = std::make_unique<HubClient>(std::move(options));
  client->impl_->chain = impl_->chain;
  return client;
}

RepoRefs HubClient::list_refs(const core::RepoRef& repo, const CallLimits& limits) {
  return impl_->across_tiers(limits, [&](const std::string& base, const CallLimits& these) {
    auto url = parse_or_throw(
        base + "/api/" + std::string(core::plural(repo.type)) + "/" + repo.id + "/refs?include_prs=1", "refs URL");
    auto context = impl_->context_for(url);
    context.repo = repo;
    auto answer = impl_->get_json(url, context, these);
    return parse_refs(answer.response.body, answer.url.str());
  });
}

std::vector<RemoteFile> HubClient::list_files(const core::RepoRef& repo, const std::string& commit,
                                              const CallLimits& limits) {
  return impl_->across_tiers(limits, [&](const std::string& base, const CallLimits& these) {
    return list_files_on(base, repo, commit, these);
  });
}

std::vector<RemoteFile> HubClient::list_files_on(const std::string& base, const core::RepoRef& repo,
                                                 const std::string& commit, const CallLimits& limits) {
  auto url = parse_or_throw(base + "/api/" + std::string(core::plural(repo.type)) + "/" + repo.id + "/tree/" +
                                http::quote_revision(commit) + "?recursive=true&expand=false",
                            "tree URL");
  auto context = impl_->context_for(url);
  context.repo = repo;
  context.revision = commit;
  std::vector<RemoteFile> files;
  std::set<std::string> seen;
  for (int page = 0;; ++page) {
    if (page >= max_tree_pages || !seen.insert(url.str()).second) {
      throw Error(ExitCode::failure, "the tree listing of " + repo.display() + " does not end (page " +
                                         std::to_string(page) + ")");
    }
    auto answer = impl_->get_json(url, context, limits);
    auto entries = parse_tree_page(answer.response.body, answer.url.str());
    files.insert(files.end(), std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
    auto link = answer.response.headers.get("Link");
    auto next = link ? http::find_link(*link, "next") : std::nullopt;
    if (!next) return files;
    auto next_url = http::resolve_location(answer.url, *next);
    if (!next_url) throw Error(ExitCode::failure, "the tree listing of " + repo.display() + " links to a non-http(s) URL");
    url = *next_url;
  }
}

FileMetadata HubClient::file_metadata(const core::RepoRef& repo, const std::string& revision,
                                      const std::string& path, const CallLimits& limits) {
  return impl_->across_tiers(limits, [&](const std::string& base, const CallLimits& these) {
    return file_metadata_on(base, repo, revision, path, these);
  });
}

FileMetadata HubClient::file_metadata_on(const std::string& base, const core::RepoRef& repo,
                                         const std::string& revision, const std::string& path,
                                         const CallLimits& limits) {
  auto url = parse_or_throw(base + "/" + std::string(repo.url_prefix()) + repo.id + "/resolve/" +
                                http::quote_revision(revision) + "/" + http::quote_path(path),
                            "resolve URL");
  for (int hops = 0;; ++hops) {
    auto response = impl_->with_retries("HEAD", url, limits, [&](const http::RequestLimits& request) {
      auto headers = impl_->headers_for(url);
      headers.add("Accept-Encoding", "identity");
      return impl_->transport.head(url, headers, request);
    });
    auto location = response.headers.get("Location");
    // Relative redirects are renamed repos: follow them. Absolute ones point at the bytes (a CDN).
    if (response.is_redirect() && location && http::is_relative_location(*location)) {
      if (hops >= max_redirects) {
        throw Error(ExitCode::failure, "too many redirects for " + repo.display() + " file " + path);
      }
      url = http::replace_path(url, *location);
      continue;
    }
    if (!response.is_success() && !response.is_redirect()) {
      auto context = impl_->context_for(url);
      context.repo = repo;
      context.revision = revision;
      context.path = path;
      throw_hub_error(context, response);
    }
    return metadata_from_head(response, url);
  }
}

}  // namespace hfcache::hub
