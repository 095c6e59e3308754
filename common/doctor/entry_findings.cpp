#include "doctor/entry_findings.hpp"

#include <cctype>

#include "core/cache_layout.hpp"
#include "core/revision.hpp"

namespace hfcache::doctor {
namespace {

std::string bytes(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

std::string expected_size(const std::optional<ExpectedFile>& expected) {
  return expected ? " (" + bytes(expected->size) + " expected)" : "";
}

std::string short_blob(const std::string& etag) { return etag.size() > 12 ? etag.substr(0, 12) + "..." : etag; }

// Repair relinks an entry to its blob; when the blob itself is gone, a pull then downloads it.
std::string repair_then_pull(const EntryState& s, const FixCommands& fix) {
  // "; " not " && ": repair exits 6 while a blob is still to be downloaded.
  return s.blob_present ? fix.repair() : fix.repair() + "; " + fix.pull();
}

// What a Git LFS pointer in place of the file is, and what loading it does (transformers 4.46 and
// 5.x, safetensors 0.8: docs/cache-damage.md "Git LFS pointer files").
std::string lfs_pointer_what(std::string_view path, const EntryState& s) {
  std::string what = "a Git LFS pointer file (" + bytes(s.size) + ") instead of the file itself (" + bytes(s.lfs_size) +
                     ", sha256 " + short_blob(s.lfs_sha256) + "): copied from a git clone made without git-lfs";
  if (path.ends_with(".safetensors"))
    what += "; from_pretrained fails with \"SafetensorError: Error while deserializing header: header too large\"";
  else if (path.ends_with(".bin") || path.ends_with(".pt") || path.ends_with(".pth") || path.ends_with(".ckpt"))
    what += "; from_pretrained fails: transformers 4 raises \"OSError: You seem to have cloned a repository without "
            "having git-lfs installed\", transformers 5 the UnpicklingError of torch.load (\"invalid load key, 'v'\")";
  else
    what += "; a loader reads the pointer's text instead of the file";
  return what;
}

}  // namespace

std::string shell_quote(std::string_view text) {
  bool plain = !text.empty();
  for (char c : text)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("/._-+:=@,%").find(c) != std::string_view::npos))
      plain = false;
  if (plain) return std::string(text);
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string FixCommands::pull() const {
  std::string cmd = "hfcache pull " + shell_quote(repo.display());
  if (revision != core::default_revision) cmd += " --revision " + shell_quote(revision);
  return cmd + suffix;
}

std::string FixCommands::pull_file(std::string_view path) const {
  std::string cmd = "hfcache pull " + shell_quote(repo.display());
  if (revision != core::default_revision) cmd += " --revision " + shell_quote(revision);
  return cmd + " --include " + shell_quote(path) + suffix;
}

std::string FixCommands::repair() const { return "hfcache repair" + suffix; }
std::string FixCommands::repair_verify() const { return "hfcache repair --verify" + suffix; }

std::optional<Finding> entry_finding(const EntryState& s, std::string_view path,
                                     const std::optional<ExpectedFile>& expected, const FixCommands& fix) {
  Finding f;
  f.subject = std::string(path);
  switch (s.kind) {
    case EntryKind::link:
    case EntryKind::copy:
      return std::nullopt;
    case EntryKind::missing:
      f.severity = Severity::missing;
      f.what = "not in the snapshot" + expected_size(expected);
      f.fix = fix.pull();
      break;
    case EntryKind::partial:
      f.severity = Severity::missing;
      f.what = "partial download: " + bytes(s.size) + " of " + (expected ? bytes(expected->size) : "?") +
               " in blobs/" + short_blob(s.blob) + ".incomplete; the snapshot has no file yet";
      f.fix = fix.pull() + "   (resumes the download)";
      break;
    case EntryKind::blob_unlinked:
      f.severity = Severity::missing;
      f.what = "the blob " + short_blob(s.blob) + " is in blobs/ but the snapshot has no link to it";
      f.fix = fix.pull() + "   (links it; nothing is downloaded)";
      break;
    case EntryKind::shortcut:
      f.severity = Severity::damage;
      f.what = "a Windows shortcut (" + std::string(path) + ".lnk) instead of the file; huggingface_hub cannot open shortcuts";
      f.fix = repair_then_pull(s, fix);
      break;
    case EntryKind::broken_link:
      if (!s.blob.empty() && s.target == core::snapshot_link_target(path, s.blob) && !s.blob_present) {
        f.severity = Severity::missing;
        f.what = "link to blob " + short_blob(s.blob) + ", which is not in blobs/" + expected_size(expected);
        f.fix = fix.pull();
      } else {
        f.severity = Severity::damage;
        f.what = "broken link to '" + s.target + "'" +
                 (s.blob_present ? " (the blob it names is in blobs/: repair relinks it)" : "");
        f.fix = repair_then_pull(s, fix);
      }
      break;
    case EntryKind::outside_link:
      f.severity = Severity::damage;
      f.what = "link to '" + s.target + "', outside this repo's blobs/" +
               (s.loads ? " (it loads today, but breaks when that file moves)" : " (it does not lead to the right file)");
      f.fix = repair_then_pull(s, fix);
      break;
    case EntryKind::text_link:
      f.severity = Severity::damage;
      f.what = "a text file holding the link target '" + s.target +
               "' instead of a link; huggingface_hub would hand out that text as the file";
      f.fix = repair_then_pull(s, fix);
      break;
    case EntryKind::placeholder:
      f.severity = Severity::damage;
      f.what = "an empty placeholder file" + expected_size(expected) + "; loaders would read 0 bytes";
      f.fix = repair_then_pull(s, fix);
      break;
    case EntryKind::wrong_size:
      f.severity = Severity::damage;
      f.what = bytes(s.size) + " where the file listing says " + (expected ? bytes(expected->size) : "otherwise") +
               " (a truncated or wrong blob" + (s.blob.empty() ? "" : " " + short_blob(s.blob)) + ")";
      f.fix = fix.repair_verify() + "; " + fix.pull();
      break;
    case EntryKind::lfs_pointer:
      f.severity = Severity::damage;
      f.what = lfs_pointer_what(path, s);
      f.fix = fix.repair_verify() + "; " + fix.pull() +
              "   (a revision imported from a clone: `git lfs pull` in the clone, then `hfcache import` it again)";
      break;
    case EntryKind::unreadable:
      f.severity = Severity::damage;
      f.what = "cannot be read: permission denied on " + s.resolved;
      f.fix = "chmod a+r " + shell_quote(s.resolved) + "   (and a+x on the folders above it)";
      break;
    case EntryKind::not_a_file:
      f.severity = Severity::damage;
      f.what = "a folder or special file where a file belongs";
      f.fix = "remove snapshots/<commit>/" + std::string(path) + ", then " + fix.pull();
      break;
  }
  return f;
}

}  // namespace hfcache::doctor
