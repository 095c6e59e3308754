#include "doctor/diagnosis.hpp"

namespace hfcache::doctor {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::note: return "note";
    case Severity::missing: return "missing";
    case Severity::damage: return "damage";
  }
  return "note";
}

std::string_view loader_name(Loader loader) {
  switch (loader) {
    case from_pretrained: return "from_pretrained";
    case tokenizer: return "tokenizer";
    case snapshot_download: return "snapshot_download";
    case hf_hub_download: return "hf_hub_download";
  }
  return "";
}

unsigned Diagnosis::question_loaders() const {
  switch (question) {
    case Question::from_pretrained: return from_pretrained | (tokenizer_files.applies ? tokenizer : 0u);
    case Question::snapshot_download: return snapshot_download;
    case Question::hf_hub_download: return hf_hub_download;
  }
  return 0;
}

const Finding* Diagnosis::first_blocker() const {
  for (const auto& f : findings)
    if (f.blocks & question_loaders()) return &f;
  return nullptr;
}

bool Diagnosis::loads() const { return first_blocker() == nullptr; }

ExitCode Diagnosis::exit_code() const {
  bool blocked = false;
  for (const auto& f : findings) {
    if (!(f.blocks & question_loaders())) continue;
    if (f.severity == Severity::damage) return ExitCode::integrity;
    blocked = true;
  }
  return blocked ? ExitCode::not_found : ExitCode::ok;
}

}  // namespace hfcache::doctor
