// Extracting an archive into staging directories, refusing anything unsafe before it is written:
// absolute paths, "..", links, devices, entries outside the layout or missing from the manifest,
// sizes beyond it, and data whose SHA-256 differs from the manifest. Files are created with
// O_EXCL and fsynced. On error the caller removes the staging directories.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/keys.h"
#include "common/status.h"
#include "engine/backup_file/layout.h"
#include "proto/manifest.pb.h"

namespace lockstep::backup_file {

struct ExtractTargets {
  std::string data_dir;      // receives snapshots (created if missing)
  std::string data_log_dir;  // receives logs; may equal data_dir
};

struct ExtractedArchive {
  Layout layout = Layout::kLockstep;
  std::optional<proto::Manifest> manifest;  // absent for dcos-zk archives
  std::vector<std::string> files;           // paths written, in archive order
  uint64_t data_bytes = 0;
  std::string archive_sha256;
  std::string compression;
};

// Called with (bytes of file data so far, archive bytes read so far, current file name).
using ExtractProgress = std::function<void(uint64_t, uint64_t, const std::string&)>;

// `identities` open an encrypted archive (ArchiveReader).
Result<ExtractedArchive> ExtractArchive(const std::string& archive_path,
                                        const age::Identities& identities,
                                        const ExtractTargets& targets,
                                        const ExtractProgress& progress = {});

// The manifest alone (the archive's first entry), without reading further: what a restore will
// need on disk before it starts. nullopt for a dcos-zk archive, which has none.
Result<std::optional<proto::Manifest>> PeekManifest(const std::string& archive_path,
                                                    const age::Identities& identities);

// Parses and checks a manifest (format version, file list sanity).
Result<proto::Manifest> ParseManifest(const std::string& json);
std::string ManifestToJson(const proto::Manifest& manifest);

}  // namespace lockstep::backup_file
