// Where things live inside an archive, and the rules every entry name must pass before anything
// is written: Lockstep's layout (manifest first, zookeeper/{data,datalog}/version-2/…) and the
// layout DC/OS `dcos-zk` writes (./zookeeper/{snapshot,transactions}/version-2/…).
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace lockstep::backup_file {

inline constexpr char kManifestName[] = "lockstep-manifest.json";
inline constexpr uint32_t kFormatVersion = 1;

enum class TargetDir { kData, kDataLog };

struct EntryTarget {
  TargetDir dir = TargetDir::kData;
  std::string file_name;  // e.g. "snapshot.1f"
};

enum class Layout { kLockstep, kDcosZk };

std::string ArchiveNameForSnapshot(const std::string& file_name);
std::string ArchiveNameForLog(const std::string& file_name);

// Strips leading "./"; refuses absolute paths, "..", empty or "." components and odd bytes.
Result<std::string> NormaliseEntryName(const std::string& name);

// Maps a regular-file entry to where it is restored. nullopt: an entry that is deliberately not
// restored (a dcos-zk archive's epoch files: the target keeps its own). Anything else that does
// not belong to the layout is refused.
Result<std::optional<EntryTarget>> MapEntry(const std::string& normalised_name, Layout layout);

// True for the directory entries a layout may contain ("zookeeper", "./zookeeper/snapshot"…).
bool IsLayoutDirectory(const std::string& normalised_name, Layout layout);

}  // namespace lockstep::backup_file
