#include "mirror_api.hpp"

#include <httplib.h>

#include <set>

#include "core/revision.hpp"
#include "mirror/api_json.hpp"
#include "mirror/mirror_error.hpp"
#include "mirror/paths_info_body.hpp"
#include "mirror_response.hpp"

namespace hfcache::server {
namespace {

bool truthy_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return false;
  auto v = req.get_param_value(name);
  return v == "true" || v == "True" || v == "1" || v.empty();
}

std::string revision_of(const mirror::Route& route) {
  return route.revision.value_or(std::string(core::default_revision));
}

// The request's query without its cursor parameter, for the next page's URL.
std::string query_without_cursor(const std::string& target) {
  auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::string_view query(target);
  query.remove_prefix(q + 1);
  std::string out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (!pair.empty() && !pair.starts_with("cursor=") && pair != "cursor") {
      if (!out.empty()) out += '&';
      out += pair;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace

void send_repo_info(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
                    httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub) {
  auto resolved = service.resolve(route.repo, revision_of(route), hub);
  auto listing = service.listing(route.repo, resolved.commit, hub);
  auto info = mirror::repo_info_json(route.repo, service.facts(route.repo, resolved.commit), *listing,
                                     truthy_param(req, "blobs"));
  // expand=<field> (repeated) asks for those fields only, as the hub answers (plus the ids).
  std::set<std::string> wanted;
  for (const char* key : {"expand", "expand[]"}) {
    for (std::size_t i = 0; i < req.get_param_value_count(key); ++i) wanted.insert(req.get_param_value(key, i));
  }
  wanted.erase("");
  if (!wanted.empty()) {
    for (auto it = info.begin(); it != info.end();) {
      if (it.key() == "_id" || it.key() == "id" || wanted.count(it.key())) ++it;
      else it = info.erase(it);
    }
  }
  add_common_headers(res);
  send_json(res, info);
}

void send_tree(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
               httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub) {
  auto resolved = service.resolve(route.repo, revision_of(route), hub);
  auto listing = service.listing(route.repo, resolved.commit, hub);
  auto items = listing->children(route.path, truthy_param(req, "recursive"));
  if (!items) {
    throw mirror::MirrorError(404, "EntryNotFound",
                              "folder '" + route.path + "' not found in " + route.repo.display() + " at " + resolved.commit,
                              resolved.commit);
  }
  const bool expand = truthy_param(req, "expand");
  auto page = mirror::page_at(items->size(), req.get_param_value("cursor"),
                              expand ? mirror::tree_page_size_expand : mirror::tree_page_size);
  auto facts = service.facts(route.repo, resolved.commit);
  auto body = nlohmann::json::array();
  for (auto i = page.begin; i < page.end; ++i) body.push_back(mirror::tree_item_json((*items)[i], facts, expand));
  add_common_headers(res);
  if (page.next_cursor) {
    auto host = req.get_header_value("Host");
    if (host.empty()) host = req.local_addr + ":" + std::to_string(req.local_port);
    auto path = req.target.substr(0, req.target.find('?'));
    auto query = query_without_cursor(req.target);
    res.set_header("Link", "<http://" + header_safe(host, 255) + path + "?" + query + (query.empty() ? "" : "&") +
                               "cursor=" + *page.next_cursor + ">; rel=\"next\"");
  }
  send_json(res, body);
}

void send_paths_info(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
                     httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub) {
  auto body = mirror::parse_paths_info_body(req.get_header_value("Content-Type"), req.body);
  auto resolved = service.resolve(route.repo, revision_of(route), hub);
  auto listing = service.listing(route.repo, resolved.commit, hub);
  auto facts = service.facts(route.repo, resolved.commit);
  auto out = nlohmann::json::array();
  for (const auto& item : listing->lookup(body.paths)) out.push_back(mirror::tree_item_json(item, facts, body.expand));
  add_common_headers(res);
  send_json(res, out);
}

void send_refs(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
               httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub) {
  auto refs = service.refs(route.repo, hub);
  add_common_headers(res);
  send_json(res, mirror::refs_json(refs, truthy_param(req, "include_prs")));
}

}  // namespace hfcache::server
