#include <doctest/doctest.h>

#include <string>

#include "core/link_target.hpp"
#include "core/revision.hpp"

using namespace hfcache::core;
using Kind = TargetInfo::Kind;

namespace {
const std::string sha1(40, 'a');
const std::string sha256 = std::string(32, 'b') + std::string(32, '0');
}  // namespace

TEST_SUITE("link_target") {
  TEST_CASE("text link contents name a blob") {
    CHECK(parse_text_link("../../blobs/" + sha1) == sha1);
    CHECK(parse_text_link("..\\..\\blobs\\" + sha256) == sha256);
    CHECK(parse_text_link("..\\../blobs\\" + sha1 + "\r\n") == sha1);
    CHECK(parse_text_link("../../../blobs/" + sha1 + "  \n") == sha1);
    CHECK(parse_text_link("../blobs/" + sha1) == sha1);
  }

  TEST_CASE("anything else is not a text link") {
    CHECK_FALSE(parse_text_link("blobs/" + sha1));                    // no ../
    CHECK_FALSE(parse_text_link("../../blobs/" + sha1.substr(1)));     // 39 hex
    CHECK_FALSE(parse_text_link("../../blobs/" + std::string(40, 'A')));  // upper case
    CHECK_FALSE(parse_text_link("../../blobs/" + sha1 + "x"));
    CHECK_FALSE(parse_text_link(" ../../blobs/" + sha1));              // leading space
    CHECK_FALSE(parse_text_link("../../other/" + sha1));
    CHECK_FALSE(parse_text_link("./../blobs/" + sha1));
    CHECK_FALSE(parse_text_link("{\"model_type\": \"bert\"}\n"));
    CHECK_FALSE(parse_text_link(""));
    CHECK_FALSE(parse_text_link("../../blobs/" + sha1 + std::string(600, ' ')));  // too long to be a link
  }

  TEST_CASE("canonical and in-repo relative targets") {
    CHECK(analyse_link_target("../../blobs/" + sha1, "config.json").kind == Kind::canonical);
    CHECK(analyse_link_target("../../../blobs/" + sha1, "onnx/model.onnx").kind == Kind::canonical);
    auto wrong_depth = analyse_link_target("../../blobs/" + sha1, "onnx/model.onnx");
    CHECK(wrong_depth.kind == Kind::outside);  // lands in snapshots/blobs: not a blob
    CHECK_FALSE(wrong_depth.etag);
    auto spelt = analyse_link_target("./../../blobs/" + sha1, "config.json");
    CHECK(spelt.kind == Kind::in_repo);
    CHECK(spelt.etag == sha1);
    CHECK(analyse_link_target("../../../../etc/passwd", "config.json").kind == Kind::outside);
    CHECK(analyse_link_target("../other-commit/config.json", "config.json").kind == Kind::outside);
  }

  TEST_CASE("Windows, UNC, WSL and Cygwin targets give the blob name") {
    for (const std::string& target : {
             "..\\..\\blobs\\" + sha1,
             "C:\\Users\\me\\.cache\\huggingface\\hub\\models--hfl--rbt3\\blobs\\" + sha1,
             "c:/Users/me/.cache/huggingface/hub/models--hfl--rbt3/blobs/" + sha1,
             "\\\\nas\\share\\hub\\models--hfl--rbt3\\blobs\\" + sha1,
             "//nas/share/hub/models--hfl--rbt3/blobs/" + sha1,
             "/mnt/c/Users/me/.cache/huggingface/hub/models--hfl--rbt3/blobs/" + sha1,
             "/cygdrive/d/hub/models--hfl--rbt3/blobs/" + sha1,
         }) {
      CAPTURE(target);
      auto info = analyse_link_target(target, "config.json");
      CHECK(info.kind == Kind::windows);
      CHECK(info.etag == sha1);
    }
    CHECK_FALSE(analyse_link_target("C:\\Windows\\system32\\cmd.exe", "a").etag);
  }

  TEST_CASE("absolute POSIX targets: another machine's cache, or just outside") {
    auto foreign = analyse_link_target("/home/other/.cache/huggingface/hub/models--x--y/blobs/" + sha256, "a.bin");
    CHECK(foreign.kind == Kind::foreign);
    CHECK(foreign.etag == sha256);
    auto passwd = analyse_link_target("/etc/passwd", "a.bin");
    CHECK(passwd.kind == Kind::outside);
    CHECK_FALSE(passwd.etag);
    CHECK(analyse_link_target("/mnt/data/blobs/" + sha1, "a").kind == Kind::foreign);  // /mnt/data is not a drive
  }

  TEST_CASE("blob names") {
    CHECK(blob_name_of("x/blobs/" + sha1) == sha1);
    CHECK(blob_name_of("x\\blobs\\" + sha256) == sha256);
    CHECK_FALSE(blob_name_of("x/blob/" + sha1));
    CHECK_FALSE(blob_name_of(sha1));
    CHECK(is_etag(sha1));
    CHECK(is_etag(sha256));
    CHECK_FALSE(is_etag(std::string(41, 'a')));
  }
}
