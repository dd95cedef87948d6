#include "engine/datadir/backup.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "common/clock.h"
#include "common/file.h"
#include "common/sha256.h"
#include "common/version.h"
#include "engine/backup_file/archive_writer.h"
#include "engine/backup_file/extract.h"
#include "engine/backup_file/layout.h"
#include "engine/datadir/describe.h"
#include "engine/zk/four_letter.h"
#include "engine/zk/server_guard.h"
#include "engine/zkfmt/tree_model.h"

namespace lockstep::datadir {
namespace {

using zkfmt::RestorableSet;
using zkfmt::ScannedFile;

constexpr auto kLogCatchUpDeadline = std::chrono::seconds(5);

std::string HostName() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

void AddFileToManifest(const ScannedFile& f, const std::string& archive_name, const char* role,
                       proto::Manifest* manifest) {
  proto::ArchivedFile* file = manifest->add_files();
  file->set_path(archive_name);
  file->set_size(f.size);
  file->set_sha256(f.sha256);
  file->set_role(role);
  if (f.first_zxid) file->set_first_zxid(FormatZxid(*f.first_zxid));
  if (f.last_zxid) file->set_last_zxid(FormatZxid(*f.last_zxid));
}

proto::Manifest BaseManifest(const BackupOptions& options) {
  proto::Manifest manifest;
  manifest.set_format_version(backup_file::kFormatVersion);
  manifest.set_backup_id(options.backup_id);
  manifest.set_label(options.label);
  manifest.set_created_at(UtcTimestamp());
  manifest.set_source_host(HostName());
  manifest.set_source_master(options.source_master.empty() ? HostName() : options.source_master);
  manifest.set_mode(options.online ? "online" : "offline");
  manifest.set_lockstep_version(std::string(Version()));
  return manifest;
}

proto::Manifest BuildManifest(const RestorableSet& set, const BackupOptions& options) {
  proto::Manifest manifest = BaseManifest(options);
  manifest.set_snapshot_zxid(FormatZxid(set.snapshot_zxid));
  manifest.set_last_zxid(FormatZxid(set.last_zxid));
  manifest.set_node_count(set.node_count);
  manifest.add_components("zookeeper");
  AddFileToManifest(*set.snapshot, backup_file::ArchiveNameForSnapshot(set.snapshot->file.name),
                    "snapshot", &manifest);
  for (const auto& log : set.logs) {
    AddFileToManifest(log, backup_file::ArchiveNameForLog(log.file.name), "txnlog", &manifest);
  }
  return manifest;
}

// Reads the logs up to `max_zxid`. Online, a follower may apply a transaction just before its
// own log write reaches the file, so the scan is retried briefly until the logs reach Z; if they
// never do, the archive is the (equally committed) state at the last logged zxid.
Status ScanLogsUntil(const BackupOptions& options, const zkfmt::ScanOptions& scan,
                     const zkfmt::TreeModel& snapshot_tree, RestorableSet* set) {
  auto deadline = std::chrono::steady_clock::now() + kLogCatchUpDeadline;
  const RestorableSet after_snapshot = *set;
  while (true) {
    *set = after_snapshot;
    zkfmt::TreeModel tree = snapshot_tree;
    RETURN_IF_ERROR(zkfmt::SelectLogs(options.dirs, scan, &tree, set));
    bool reached =
        !scan.max_zxid || set->last_zxid >= *scan.max_zxid || ZxidCounter(*scan.max_zxid) == 0;
    if (reached || std::chrono::steady_clock::now() > deadline) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<RestorableSet> SelectForBackup(const BackupOptions& options) {
  RestorableSet set;
  zkfmt::TreeModel tree;
  zkfmt::ScanOptions scan;
  scan.compute_sha256 = true;
  RETURN_IF_ERROR(zkfmt::SelectSnapshot(options.dirs, scan, &tree, &set));
  if (!set.snapshot) return Corruption(DescribeProblems(set.problems));
  if (options.online) {
    ASSIGN_OR_RETURN(zk::SrvrInfo srvr, zk::QuerySrvr(*options.client));
    if (!srvr.serving) {
      return FailedPrecondition("ZooKeeper at " + options.client->ToString() +
                                " is not serving; an online backup needs a serving server");
    }
    scan.max_zxid = srvr.zxid;
  }
  RETURN_IF_ERROR(ScanLogsUntil(options, scan, tree, &set));
  if (!set.valid()) {
    return Corruption("the data directory is not restorable: " + DescribeProblems(set.problems));
  }
  return set;
}

// The local file behind a manifest entry, and its identity from before it was hashed.
struct Source {
  std::string path;
  std::optional<FileIdentity> hashed_as;
};

// Identities of every ZooKeeper file, taken before verification reads and hashes them: a file
// that still has its identity when archived need not be hashed a second time.
std::map<std::string, FileIdentity> IdentifyZkFiles(const zkfmt::DataDirs& dirs) {
  std::map<std::string, FileIdentity> identities;
  for (auto [dir, role] : {std::pair{dirs.SnapshotDir(), zkfmt::FileRole::kSnapshot},
                           std::pair{dirs.LogDir(), zkfmt::FileRole::kTxnLog}}) {
    Result<std::vector<zkfmt::ZkFile>> files = zkfmt::ListZkFiles(dir, role);
    for (const auto& file : files.ok() ? *files : std::vector<zkfmt::ZkFile>{}) {
      if (auto id = SettledIdentity(file.path)) identities[file.path] = *id;
    }
  }
  return identities;
}

std::optional<FileIdentity> Find(const std::map<std::string, FileIdentity>& identities,
                                 const std::string& path) {
  auto it = identities.find(path);
  return it == identities.end() ? std::nullopt : std::optional<FileIdentity>(it->second);
}

// The ZooKeeper files: chosen, verified and listed in `manifest`, their files in `sources`.
Status AddZooKeeperFiles(const BackupOptions& options, Progress& progress,
                         proto::Manifest* manifest, std::vector<Source>* sources) {
  if (options.online && !options.client) {
    return InvalidArgument(
        "--online needs the server's client address: give --zoo-cfg with "
        "clientPort, or --zk HOST:PORT");
  }
  if (!options.online) {
    RETURN_IF_ERROR(zk::EnsureServerStopped(options.dirs, options.client,
                                            ", or back up without stopping it: --online"));
  }
  progress.phase = "verifying";
  if (options.progress) options.progress(progress);
  const std::map<std::string, FileIdentity> identities = IdentifyZkFiles(options.dirs);
  ASSIGN_OR_RETURN(RestorableSet set, SelectForBackup(options));
  *manifest = BuildManifest(set, options);
  sources->push_back({set.snapshot->file.path, Find(identities, set.snapshot->file.path)});
  for (const auto& log : set.logs)
    sources->push_back({log.file.path, Find(identities, log.file.path)});
  return Status::Ok();
}

Status AddComponentFiles(const BackupOptions& options, proto::Manifest* manifest,
                         std::vector<Source>* sources) {
  for (const auto& component : options.components) {
    const std::optional<FileIdentity> identity = SettledIdentity(component.path);
    ASSIGN_OR_RETURN(uint64_t size, FileSize(component.path));
    ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(component.path));
    proto::ArchivedFile* file = manifest->add_files();
    file->set_path("components/" + component.dump.name() + ".pb");
    file->set_size(size);
    file->set_sha256(sha);
    file->set_role("component");
    manifest->add_components(component.dump.name());
    *manifest->add_component_dumps() = component.dump;
    sources->push_back({component.path, identity});
  }
  return Status::Ok();
}

}  // namespace

std::string Sha256SidecarPath(const std::string& archive_path) { return archive_path + ".sha256"; }

Result<BackupResult> RunBackup(const BackupOptions& options) {
  RETURN_IF_ERROR(backup_file::CheckNewArchivePath(options.archive_path));  // before the long scan
  Progress progress;
  proto::Manifest manifest;
  std::vector<Source> sources;  // the local file behind each manifest entry
  if (options.include_zookeeper) {
    RETURN_IF_ERROR(AddZooKeeperFiles(options, progress, &manifest, &sources));
  } else if (options.components.empty()) {
    return InvalidArgument("nothing to back up: no ZooKeeper data and no component");
  } else {
    manifest = BaseManifest(options);
    manifest.set_components_only(true);
  }
  RETURN_IF_ERROR(AddComponentFiles(options, &manifest, &sources));

  ASSIGN_OR_RETURN(auto writer, backup_file::ArchiveWriter::Create(
                                    options.archive_path, {.recipients = options.recipients}));
  RETURN_IF_ERROR(
      writer->AddBytes(backup_file::kManifestName, backup_file::ManifestToJson(manifest)));
  progress.phase = "archiving";
  progress.files_total = static_cast<uint32_t>(manifest.files_size());
  for (const auto& f : manifest.files()) progress.bytes_total += f.size();
  for (size_t i = 0; i < sources.size(); ++i) {
    const auto& entry = manifest.files(static_cast<int>(i));
    progress.current_file = entry.path();
    auto on_bytes = [&](uint64_t n) {
      progress.bytes_done += n;
      if (options.progress) options.progress(progress);
    };
    RETURN_IF_ERROR(writer->AddFile(entry.path(), sources[i].path, entry.size(), entry.sha256(),
                                    on_bytes, sources[i].hashed_as));
    ++progress.files_done;
    if (options.on_file) options.on_file(entry.path(), entry.size());
  }
  ASSIGN_OR_RETURN(std::string sha256, writer->Commit());
  std::string name = std::filesystem::path(options.archive_path).filename().string();
  RETURN_IF_ERROR(WriteFileAtomically(Sha256SidecarPath(options.archive_path),
                                      sha256 + "  " + name + "\n", kPrivateFile));
  if (options.progress) options.progress(progress);
  return BackupResult{manifest, options.archive_path, sha256, writer->bytes_written()};
}

}  // namespace lockstep::datadir
