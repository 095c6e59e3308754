#include <doctest/doctest.h>

#include <optional>

#include "core/revision_in_use.hpp"
#include "support/temp_dir.hpp"

using namespace hfcache;
using namespace hfcache::core;

TEST_SUITE("revision_in_use") {
  TEST_CASE("a mark is seen by anyone sharing the cache while it lives, and never after") {
    hfcache::test_support::TempDir t;
    CacheLayout layout(t.path);
    RepoRef repo{RepoType::model, "org/x"};
    const std::string commit(40, 'a');
    CHECK_FALSE(revision_in_use_elsewhere(layout, repo, commit));
    std::optional<RevisionInUseMark> first, second;
    first.emplace(layout, repo, commit);
    second.emplace(layout, repo, commit);  // shared: two replicas serve it at once
    CHECK(revision_in_use_elsewhere(layout, repo, commit));
    CHECK_FALSE(revision_in_use_elsewhere(layout, repo, std::string(40, 'b')));
    first.reset();
    CHECK(revision_in_use_elsewhere(layout, repo, commit));
    second.reset();
    CHECK_FALSE(revision_in_use_elsewhere(layout, repo, commit));
  }
}
