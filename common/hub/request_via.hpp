#pragma once
// The Via field of the client request this thread serves. A tier's upstream calls made for a client
// carry that chain plus the tier's own entry, so a request that comes back to a daemon it already
// passed through is recognised (508) wherever in the chain the loop closes. A fetch thread takes
// the value of the request that started it.
#include <string>

namespace hfcache::hub {

class ViaScope {
 public:
  explicit ViaScope(std::string incoming);
  ~ViaScope();
  ViaScope(const ViaScope&) = delete;
  ViaScope& operator=(const ViaScope&) = delete;

 private:
  std::string previous_;
};

// "" outside any ViaScope.
const std::string& incoming_via();

}  // namespace hfcache::hub
