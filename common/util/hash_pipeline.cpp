#include "util/hash_pipeline.hpp"

namespace hfcache::util {

HashPipeline::HashPipeline()
    : worker_([this](const char* data, std::size_t size) {
        sha256_.update(data, size);
        if (sha1_) sha1_->update(data, size);
      }) {}

void HashPipeline::begin(std::optional<std::uint64_t> git_size) {
  worker_.reset();  // a stream abandoned by an exception may still have a buffer in hand
  sha256_ = Hasher(HashKind::sha256);
  sha1_.reset();
  if (git_size) {
    sha1_.emplace(HashKind::sha1);
    sha1_->update("blob " + std::to_string(*git_size) + std::string(1, '\0'));
  }
}

HashPipeline::Digests HashPipeline::finish() {
  worker_.drain();
  Digests d;
  d.sha256 = sha256_.hex_digest();
  if (sha1_) d.sha1 = sha1_->hex_digest();
  return d;
}

}  // namespace hfcache::util
