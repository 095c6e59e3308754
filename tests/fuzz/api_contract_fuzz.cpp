// libFuzzer target for the CLI<->daemon contract (common/api): what hfcached reads from any client (request
// bodies and queries) and what the CLI reads from whatever answers at the daemon's address (answers, the
// event stream). Every input must end in a value or a typed error (UsageError, Error, a JSON exception),
// never a crash or undefined behaviour (ASan and UBSan watch); a request read must be written back and read
// again to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/api_error.hpp"
#include "api/check_calls.hpp"
#include "api/export_request.hpp"
#include "api/gc_call.hpp"
#include "api/health.hpp"
#include "api/path_call.hpp"
#include "api/pin_call.hpp"
#include "api/progress_event_json.hpp"
#include "api/pull_job.hpp"
#include "api/pull_request_json.hpp"
#include "api/removal.hpp"
#include "api/repo_listing_json.hpp"
#include "api/routes.hpp"
#include "api/server_events.hpp"
#include "core/errors.hpp"

namespace {

using nlohmann::json;

// Run `f`; the typed errors of a refused input are fine, anything else propagates (and crashes the fuzzer).
template <class F>
void refused_or_read(F f) {
  try {
    f();
  } catch (const hfcache::Error&) {
  } catch (const json::exception&) {
  }
}

template <class Read>
void request_round_trip(const json& object, Read read) {
  refused_or_read([&] {
    hfcache::api::ObjectReader reader(object, "the request body");
    auto first = read(reader);
    reader.reject_unknown_keys();
    auto written = hfcache::api::to_json(first);
    hfcache::api::ObjectReader again(written, "the request body");
    auto second = read(again);
    if (hfcache::api::to_json(second) != written) std::abort();
  });
}

void requests(const json& object) {
  using namespace hfcache;
  request_round_trip(object, api::read_pull_request);
  request_round_trip(object, api::read_verify_request);
  request_round_trip(object, api::read_repair_request);
  request_round_trip(object, api::read_gc_request);
  request_round_trip(object, [](api::ObjectReader& r) { return api::read_pin_request(r, true); });
  request_round_trip(object, api::read_path_request);
  request_round_trip(object, api::read_export_request);
  refused_or_read([&] {
    auto query = api::object_of(api::query_of(object));
    api::ObjectReader reader(query, "the query");
    api::read_remove_request({hfcache::core::RepoType::model, "org/name"}, reader);
  });
}

void answers(const json& object) {
  using namespace hfcache;
  refused_or_read([&] { api::to_json(api::pull_submitted_from_json(object)); });
  refused_or_read([&] { api::result_of(api::pull_job_from_json(object)); });
  refused_or_read([&] { api::to_json(api::progress_event_from_json(object)); });
  refused_or_read([&] { api::to_json(api::remove_answer_from_json(object)); });
  refused_or_read([&] { api::to_json(api::gc_answer_from_json(object)); });
  refused_or_read([&] { api::to_json(api::pin_answer_from_json(object)); });
  refused_or_read([&] { api::to_json(api::reindex_answer_from_json(object)); });
  refused_or_read([&] { api::to_json(api::path_answer_from_json(object)); });
  refused_or_read([&] { api::repo_list_from_json(object); });
  refused_or_read([&] {
    if (auto health = api::health_from_json(object)) api::to_json(*health);
  });
  refused_or_read([&] { api::api_error_from_json(object); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The event stream, in two chunks split where the first byte says.
  std::size_t events = 0;
  hfcache::api::ServerEventParser parser([&](const hfcache::api::ServerEvent& e) {
    if (e.data.empty()) std::abort();  // an event without data is never dispatched
    return ++events < 64;
  });
  std::size_t split = size ? data[0] % (size + 1) : 0;
  if (parser.feed(input.substr(0, split))) parser.feed(input.substr(split));
  refused_or_read([&] { hfcache::api::error_from_body(input); });

  auto doc = json::parse(input, nullptr, false);
  if (doc.is_discarded()) return 0;
  requests(doc);
  answers(doc);
  return 0;
}
