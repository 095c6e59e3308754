#pragma once
// The hub's JSON metadata endpoints served by the mirror (docs/hub-protocol.md "JSON endpoints"): repo info,
// tree listing with Link rel="next" pagination (absolute URLs built from the request's Host),
// paths-info (form or JSON bodies) and refs. Answers come from the cache's listings and refs.
#include <memory>

#include "mirror/mirror_service.hpp"
#include "mirror/route.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace hfcache::server {

void send_repo_info(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
                    httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub);
void send_tree(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
               httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub);
void send_paths_info(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
                     httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub);
void send_refs(mirror::MirrorService& service, const mirror::Route& route, const httplib::Request& req,
               httplib::Response& res, const std::shared_ptr<hub::HubClient>& hub);

}  // namespace hfcache::server
