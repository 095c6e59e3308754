#include <doctest/doctest.h>
#include <sqlite3.h>

#include <stdexcept>
#include <utility>

#include "index/sqlite_db.hpp"
#include "support/temp_dir.hpp"

using namespace hfcache;
using hfcache::test_support::TempDir;

TEST_SUITE("index_sqlite_db") {
  TEST_CASE("a cached statement is prepared once, reset when its holder leaves, and never held twice") {
    TempDir dir;
    index::Database db(dir.path / "s.sqlite");
    db.exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES(1), (2), (3)");
    auto prepared = [&] {
      int n = 0, busy = 0;
      for (auto* s = sqlite3_next_stmt(db.handle(), nullptr); s; s = sqlite3_next_stmt(db.handle(), s)) {
        ++n;
        busy += sqlite3_stmt_busy(s);
      }
      return std::pair{n, busy};
    };
    for (int i = 0; i < 3; ++i) {
      auto s = db.cached("SELECT x FROM t WHERE x >= ?");
      s->bind(1, std::int64_t{2});
      REQUIRE(s->step());  // left unfinished on purpose
      CHECK(s->int64(0) == 2);
      CHECK(prepared().second == 1);
    }
    CHECK(prepared() == std::pair{1, 0});  // one statement, not running: no read transaction kept open
    auto held = db.cached("SELECT x FROM t WHERE x >= ?");
    CHECK_THROWS_AS(db.cached("SELECT x FROM t WHERE x >= ?"), std::logic_error);
    CHECK_FALSE(held->step());  // its bindings were cleared: NULL matches nothing
  }
}
