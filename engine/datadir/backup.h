// The single-master backup engine: a ZooKeeper data directory pair into a verified archive.
//
// Offline (the original procedure): refuses while a server runs on the directories, archives the
// restorable set. Online: the server keeps running; the snapshot is chosen (and verified) before
// Z, the server's last processed zxid, is read, so it holds nothing beyond Z; logs are cut after
// the last complete, checksum-valid record with zxid <= Z. Either way the archive is exactly the
// committed state at its recorded last zxid. Never stores `myid` or a log's zero preallocation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/crypto/keys.h"
#include "common/status.h"
#include "engine/datadir/progress.h"
#include "engine/zk/zoo_cfg.h"
#include "engine/zkfmt/data_dir.h"
#include "proto/manifest.pb.h"

namespace lockstep::datadir {

struct BackupOptions {
  zkfmt::DataDirs dirs;
  std::string archive_path;
  bool online = false;
  std::optional<zk::Endpoint> client;  // required online; checked offline when known
  std::string source_master;           // recorded in the manifest
  std::string backup_id;
  std::string label;
  ProgressCallback progress;
  FileCallback on_file;
  // App components already dumped (components/dump.h): stored after the ZooKeeper files.
  struct ComponentFile {
    proto::ComponentDump dump;
    std::string path;
  };
  std::vector<ComponentFile> components;
  bool include_zookeeper = true;  // false: the components alone
  // age X25519 recipients the archive is encrypted to (see archive_writer.h); empty: in the clear.
  std::vector<age::X25519Recipient> recipients;
};

struct BackupResult {
  proto::Manifest manifest;
  std::string archive_path;
  std::string archive_sha256;
  uint64_t archive_size = 0;
};

Result<BackupResult> RunBackup(const BackupOptions& options);

// "<sha256>  <file name>\n", the sha256sum format, written beside the archive as ARCHIVE.sha256.
std::string Sha256SidecarPath(const std::string& archive_path);

}  // namespace lockstep::datadir
