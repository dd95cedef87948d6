#include "engine/backup_file/layout.h"

#include <array>
#include <string_view>

namespace lockstep::backup_file {
namespace {

struct Prefix {
  std::string_view prefix;
  TargetDir dir;
};
constexpr std::array<Prefix, 2> kLockstepPrefixes = {{
    {"zookeeper/data/version-2/", TargetDir::kData},
    {"zookeeper/datalog/version-2/", TargetDir::kDataLog},
}};
constexpr std::array<Prefix, 2> kDcosPrefixes = {{
    {"zookeeper/snapshot/version-2/", TargetDir::kData},
    {"zookeeper/transactions/version-2/", TargetDir::kDataLog},
}};

bool IsSafeFileNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsZkDataFile(std::string_view name, TargetDir dir) {
  std::string_view prefix = dir == TargetDir::kData ? "snapshot." : "log.";
  if (!name.starts_with(prefix) || name.size() == prefix.size()) return false;
  for (char c : name) {
    if (!IsSafeFileNameChar(c)) return false;
  }
  return true;
}

}  // namespace

std::string ArchiveNameForSnapshot(const std::string& file_name) {
  return std::string(kLockstepPrefixes[0].prefix) + file_name;
}

std::string ArchiveNameForLog(const std::string& file_name) {
  return std::string(kLockstepPrefixes[1].prefix) + file_name;
}

Result<std::string> NormaliseEntryName(const std::string& name) {
  std::string_view rest = name;
  while (rest.starts_with("./")) rest.remove_prefix(2);
  if (rest.empty() || rest == ".") return std::string();
  if (rest.starts_with("/")) return InvalidArgument("absolute path in archive: " + name);
  std::string_view remaining = rest;
  if (remaining.ends_with("/")) remaining.remove_suffix(1);
  while (!remaining.empty()) {
    size_t slash = remaining.find('/');
    std::string_view part = remaining.substr(0, slash);
    if (part.empty() || part == "." || part == "..") {
      return InvalidArgument("unsafe path in archive (empty, '.' or '..' component): " + name);
    }
    for (char c : part) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '\\') {
        return InvalidArgument("unsafe character in archive path: " + name);
      }
    }
    if (slash == std::string_view::npos) break;
    remaining.remove_prefix(slash + 1);
  }
  std::string out(rest);
  if (out.ends_with("/")) out.pop_back();
  return out;
}

Result<std::optional<EntryTarget>> MapEntry(const std::string& name, Layout layout) {
  const auto& prefixes = layout == Layout::kLockstep ? kLockstepPrefixes : kDcosPrefixes;
  for (const Prefix& p : prefixes) {
    if (!name.starts_with(p.prefix)) continue;
    std::string file = name.substr(p.prefix.size());
    if (layout == Layout::kDcosZk && p.dir == TargetDir::kData &&
        (file == "acceptedEpoch" || file == "currentEpoch")) {
      return std::optional<EntryTarget>();
    }
    if (!IsZkDataFile(file, p.dir)) {
      return InvalidArgument("unexpected file in archive: " + name +
                             " (only ZooKeeper snapshots and transaction logs are restored)");
    }
    return std::optional<EntryTarget>(EntryTarget{p.dir, file});
  }
  return InvalidArgument("entry outside the archive layout: " + name);
}

bool IsLayoutDirectory(const std::string& name, Layout layout) {
  const auto& prefixes = layout == Layout::kLockstep ? kLockstepPrefixes : kDcosPrefixes;
  if (name == "zookeeper" || (layout == Layout::kLockstep && name == "components")) return true;
  for (const Prefix& p : prefixes) {
    std::string_view dir = p.prefix;
    dir.remove_suffix(1);  // "zookeeper/data/version-2"
    if (name == dir || name == dir.substr(0, dir.rfind('/'))) return true;
  }
  return false;
}

}  // namespace lockstep::backup_file
