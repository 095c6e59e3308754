#include "hub/request_via.hpp"

#include <utility>

namespace hfcache::hub {
namespace {

thread_local std::string current;

}  // namespace

ViaScope::ViaScope(std::string incoming) : previous_(std::exchange(current, std::move(incoming))) {}

ViaScope::~ViaScope() { current = std::move(previous_); }

const std::string& incoming_via() { return current; }

}  // namespace hfcache::hub
