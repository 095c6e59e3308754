#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "access/access_control.hpp"
#include "access/access_store.hpp"
#include "access/token_key.hpp"
#include "core/errors.hpp"
#include "hub/hub_json.hpp"
#include "index/cache_index.hpp"
#include "index_test_cache.hpp"

using namespace hfcache;
using namespace hfcache::test_support;
namespace fs = std::filesystem;

namespace {

// A daemon's state: the index database (schema 4) and the secret, with a clock the test turns and
// an upstream that answers as told and counts its calls.
struct World {
  TestCache cache;
  fs::path db = index::CacheIndex::default_path(cache.state);
  std::int64_t clock = 1'000'000;
  std::map<std::string, access::Restriction> status;           // folder -> what repo info says
  std::map<std::string, access::CheckAnswer> answers;          // token -> auth-check answer
  int status_calls = 0, check_calls = 0;
  access::Upstream upstream;

  World() {
    fs::create_directories(cache.state);
    { index::CacheIndex idx(cache.layout, db); }
    upstream.restriction = [this](const core::RepoRef& r) -> std::optional<access::Restriction> {
      ++status_calls;
      auto it = status.find(r.folder_name());
      if (it == status.end()) return std::nullopt;
      return it->second;
    };
    upstream.check = [this](const core::RepoRef&, const std::string& token) {
      ++check_calls;
      auto it = answers.find(token);
      return it == answers.end() ? access::CheckAnswer::unreachable : it->second;
    };
  }
  access::AccessOptions options() const {
    access::AccessOptions o;
    o.grant_ttl = std::chrono::seconds(600);
    o.deny_ttl = std::chrono::seconds(60);
    o.offline_grace = std::chrono::seconds(30 * 86400);
    return o;
  }
};

core::RepoRef gated = TestCache::model("org/gated");
core::RepoRef priv = TestCache::model("org/private");
core::RepoRef pub = TestCache::model("org/public");

}  // namespace

TEST_SUITE("access_control") {
  TEST_CASE("a public repo is open to everyone and costs no token check") {
    World w;
    w.status[pub.folder_name()] = access::Restriction::open;
    access::AccessStore store(w.db);
    access::AccessControl ac(store, access::TokenKeyer::from_state_dir(w.cache.state), w.options(), [&] { return w.clock; });
    CHECK(ac.decide(pub, "", &w.upstream).allowed);
    CHECK(ac.decide(pub, "hf_anyone", &w.upstream).allowed);
    CHECK(w.check_calls == 0);
    CHECK(w.status_calls == 1);  // learnt once, then remembered
  }

  TEST_CASE("a gated repo: granted tokens pass, others and no token are refused, each remembered for its window") {
    World w;
    w.status[gated.folder_name()] = access::Restriction::gated;
    w.answers["hf_alice"] = access::CheckAnswer::granted;
    w.answers["hf_bob"] = access::CheckAnswer::refused;
    access::AccessStore store(w.db);
    access::AccessControl ac(store, access::TokenKeyer::from_state_dir(w.cache.state), w.options(), [&] { return w.clock; });
    auto anonymous = ac.decide(gated, "", &w.upstream);
    CHECK_FALSE(anonymous.allowed);
    CHECK(anonymous.restriction == access::Restriction::gated);
    CHECK(ac.decide(gated, "hf_alice", &w.upstream).allowed);
    CHECK_FALSE(ac.decide(gated, "hf_bob", &w.upstream).allowed);
    CHECK(w.check_calls == 2);
    for (int i = 0; i < 5; ++i) {
      CHECK(ac.decide(gated, "hf_alice", &w.upstream).allowed);
      CHECK_FALSE(ac.decide(gated, "hf_bob", &w.upstream).allowed);
    }
    CHECK(w.check_calls == 2);  // one upstream call per (token, repo) per window
    w.clock += 61;              // bob's refusal ends, alice's grant does not
    w.answers["hf_bob"] = access::CheckAnswer::granted;  // bob accepted the conditions meanwhile
    CHECK(ac.decide(gated, "hf_bob", &w.upstream).allowed);
    CHECK(ac.decide(gated, "hf_alice", &w.upstream).allowed);
    CHECK(w.check_calls == 3);
  }

  TEST_CASE("a revoked grant stops working once its window ends, offline too") {
    World w;
    w.status[priv.folder_name()] = access::Restriction::private_repo;
    w.answers["hf_alice"] = access::CheckAnswer::granted;
    access::AccessStore store(w.db);
    access::AccessControl ac(store, access::TokenKeyer::from_state_dir(w.cache.state), w.options(), [&] { return w.clock; });
    CHECK(ac.decide(priv, "hf_alice", &w.upstream).allowed);
    w.answers["hf_alice"] = access::CheckAnswer::refused;  // revoked on the hub
    w.clock += 599;
    CHECK(ac.decide(priv, "hf_alice", &w.upstream).allowed);  // still inside the window
    w.clock += 2;
    CHECK_FALSE(ac.decide(priv, "hf_alice", &w.upstream).allowed);
    w.clock += 61;
    CHECK_FALSE(ac.decide(priv, "hf_alice", nullptr).allowed);  // offline: the refusal cleared the grace
  }

  TEST_CASE("offline and after a restart: a grant within the grace counts, nothing else does") {
    World w;
    w.status[gated.folder_name()] = access::Restriction::gated;
    w.answers["hf_alice"] = access::CheckAnswer::granted;
    {
      access::AccessStore store(w.db);
      access::AccessControl ac(store, access::TokenKeyer::from_state_dir(w.cache.state), w.options(), [&] { return w.clock; });
      CHECK(ac.decide(gated, "hf_alice", &w.upstream).allowed);
    }
    access::AccessStore store(w.db);  // a new process: memory is empty, the index remembers
    access::AccessControl ac(store, access::TokenKeyer::from_state_dir(w.cache.state), w.options(), [&] { return w.clock; });
    w.clock += 10 * 86400;
    auto alice = ac.decide(gated, "hf_alice", nullptr);
    CHECK(alice.allowed);
    CHECK(alice.restriction == access::Restriction::gated);  // learnt before, known offline
    CHECK_FALSE(ac.decide(gated, "hf_bob", nullptr).allowed);
    CHECK_FALSE(ac.decide(gated, "", nullptr).allowed);
    w.answers.clear();  // online, but the upstream does not answer: the same rule
    CHECK(ac.decide(gated, "hf_alice", &w.upstream).allowed);
    auto bob = ac.decide(gated, "hf_bob", &w.upstream);
    CHECK_FALSE(bob.allowed);
    CHECK(bob.upstream_unreachable);
    w.clock += 21 * 86400;  // past the grace
    CHECK_FALSE(ac.decide(gated, "hf_alice", nullptr).allowed);
  }

  TEST_CASE("a repo whose status was never learnt is restricted") {
    World w;  // the upstream knows nothing of it (unreachable)
    access::AccessStore store(w.db);
    access::AccessControl ac(store, access::TokenKeyer::from_state_dir(w.cache.state), w.options(), [&] { return w.clock; });
    auto d = ac.decide(pub, "", nullptr);
    CHECK_FALSE(d.allowed);
    CHECK(d.restriction == access::Restriction::unknown);
    CHECK(d.upstream_unreachable);  // the daemon cannot tell: it says so rather than "not found"
    CHECK(d.offline);
    w.answers["hf_x"] = access::CheckAnswer::refused;
    auto x = ac.decide(pub, "hf_x", &w.upstream);
    CHECK_FALSE(x.allowed);
    CHECK_FALSE(x.upstream_unreachable);  // the token check answered: refused as private
    w.answers["hf_y"] = access::CheckAnswer::granted;
    CHECK(ac.decide(pub, "hf_y", &w.upstream).allowed);  // a token the upstream accepts may read it
  }

  TEST_CASE("only a keyed hash of the token is stored, under a 0600 secret that survives a restart") {
    World w;
    w.status[gated.folder_name()] = access::Restriction::gated;
    w.answers["hf_alice_secret_token"] = access::CheckAnswer::granted;
    {
      access::AccessStore store(w.db);
      access::AccessControl ac(store, access::TokenKeyer::from_state_dir(w.cache.state), w.options(), [&] { return w.clock; });
      CHECK(ac.decide(gated, "hf_alice_secret_token", &w.upstream).allowed);
    }
    struct stat st {};
    REQUIRE(::stat((w.cache.state / "access-secret").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    for (const auto& entry : fs::directory_iterator(w.cache.state)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::string bytes{std::istreambuf_iterator<char>(in), {}};
      CHECK_MESSAGE(bytes.find("hf_alice_secret_token") == std::string::npos, entry.path());
    }
    auto a = access::TokenKeyer::from_state_dir(w.cache.state).key("hf_alice_secret_token");
    CHECK(a == access::TokenKeyer::from_state_dir(w.cache.state).key("hf_alice_secret_token"));
    CHECK(a.size() == 64);
    CHECK(a != access::TokenKeyer("another secret of 32 bytes......").key("hf_alice_secret_token"));
  }

  TEST_CASE("a secret other users may read is refused, naming the file and the chmod") {
    World w;
    access::TokenKeyer::from_state_dir(w.cache.state);
    fs::permissions(w.cache.state / "access-secret", fs::perms::others_read, fs::perm_options::add);
    try {
      access::TokenKeyer::from_state_dir(w.cache.state);
      FAIL("accepted a loose secret");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("chmod 600") != std::string::npos);
      CHECK(std::string(e.what()).find("access-secret") != std::string::npos);
    }
  }

  TEST_CASE("repo info visibility: private, gated auto/manual, public") {
    CHECK(hub::parse_visibility(R"({"private":true,"gated":false})", "u").is_private);
    CHECK(hub::parse_visibility(R"({"private":false,"gated":"manual"})", "u").gated);
    CHECK(hub::parse_visibility(R"({"private":false,"gated":"auto"})", "u").gated);
    auto open = hub::parse_visibility(R"({"private":false,"gated":false})", "u");
    CHECK_FALSE(open.is_private);
    CHECK_FALSE(open.gated);
    CHECK_THROWS(hub::parse_visibility("[]", "u"));
  }
}
