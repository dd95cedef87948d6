#include "agent/master/replica_store.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "agent/control/zk_probe.h"
#include "api/names.h"
#include "api/paths.h"
#include "common/crash_point.h"
#include "common/disk_space.h"
#include "common/file.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/zxid.h"
#include "engine/components/dump.h"
#include "engine/datadir/backup.h"
#include "engine/datadir/inspect_archive.h"
#include "engine/zk/four_letter.h"

namespace lockstep::agent {
namespace fs = std::filesystem;
namespace {

constexpr auto kCatchUpTimeout = std::chrono::seconds(120);

uint64_t BytesUnder(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

}  // namespace

ReplicaStore::ReplicaStore(std::string dir, zk::ZooCfg zoo_cfg, LocalNode* node,
                           const http::Client* client, std::string token,
                           EncryptionConfig encryption, const Repository* repository, Clock& clock)
    : dir_(std::move(dir)),
      zoo_cfg_(std::move(zoo_cfg)),
      node_(node),
      client_(client),
      token_(std::move(token)),
      encryption_(std::move(encryption)),
      repository_(repository),
      clock_(clock) {}

Result<age::Identities> ReplicaStore::Identities() const {
  return LoadIdentities(encryption_.identity_file);
}

Result<age::Identities> ReplicaStore::Identities(const std::vector<std::string>& given) const {
  Result<age::Identities> own = Identities();
  if (!own.ok() && given.empty()) return own.status();
  // With identities given, a configured file that can't be read (kept offline) is no obstacle.
  if (!own.ok()) {
    log::Warn("identity_file unusable; using the identities given",
              {{"master", node_->options().name}, {"error", own.status().message()}});
  }
  age::Identities identities = own.ok() ? std::move(own).value() : age::Identities{};
  for (size_t i = 0; i < given.size(); ++i) {
    Result<age::X25519Identity> parsed = age::ParseIdentity(given[i]);
    RETURN_IF_ERROR_PREPEND(parsed.status(),
                            "identity " + std::to_string(i + 1) + " given with the restore");
    identities.push_back(*parsed);
  }
  return identities;
}

Status ReplicaStore::Open() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return IoError("cannot create " + dir_ + ": " + ec.message());
  // Partial downloads and archives left by a crash are never valid: clear them.
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().filename().string().starts_with(".")) fs::remove(entry.path(), ec);
  }
  return Status::Ok();
}

std::string ReplicaStore::PathOf(const std::string& id) const {
  return dir_ + "/" + id + ".tar.zst";
}

bool ReplicaStore::Has(const std::string& id) const {
  return api::CheckBackupId(id).ok() && access(PathOf(id).c_str(), R_OK) == 0;
}

Status ReplicaStore::CheckFreeSpace(uint64_t needed, const std::string& what) const {
  return lockstep::CheckFreeSpace(dir_, needed, node_->options().name, what,
                                  "free space or delete old backups");
}

Result<proto::TakeReply> ReplicaStore::Archive(const proto::TakeRequest& request, bool online,
                                               const ComponentFiles& components) {
  datadir::BackupOptions options;
  options.dirs = {zoo_cfg_.data_dir, zoo_cfg_.data_log_dir};
  options.archive_path = PathOf(request.id());
  options.online = online;
  options.client = zoo_cfg_.client;
  options.source_master = node_->options().name;
  options.backup_id = request.id();
  options.label = api::LabelOfId(request.id());
  options.components = components;
  options.include_zookeeper = !request.skip_zookeeper();
  options.recipients = encryption_.recipients;
  ASSIGN_OR_RETURN(datadir::BackupResult result, datadir::RunBackup(options));
  proto::TakeReply reply;
  reply.set_master(node_->options().name);
  reply.set_size_bytes(result.archive_size);
  reply.set_sha256(result.archive_sha256);
  reply.set_last_zxid(result.manifest.last_zxid());
  reply.set_node_count(static_cast<uint32_t>(result.manifest.node_count()));
  reply.set_files(static_cast<uint32_t>(result.manifest.files_size()));
  *reply.mutable_dumps() = result.manifest.component_dumps();
  if (encryption_.enabled()) reply.set_encryption("age");
  return reply;
}

Result<proto::TakeReply> ReplicaStore::TakeOffline(const proto::TakeRequest& request,
                                                   const ComponentFiles& components) {
  const auto stopped_at = clock_.Now();
  Result<proto::TakeReply> taken = Status(StatusCode::kInternal, "not taken");
  log::Info("stopping ZooKeeper for an offline backup", {{"id", request.id()}});
  // Node actions wait meanwhile: nothing may start the server under the archiver's feet.
  RETURN_IF_ERROR(node_
                      ->WithServerStopped([&] {
                        CrashPoint("take.offline.server_stopped");
                        taken = Archive(request, false, components);
                      })
                      .Prepend("offline backup on " + node_->options().name));
  const Zxid min_zxid = ParseHexZxid(request.expected_min_zxid()).value_or(0);
  const auto deadline = clock_.Now() + kCatchUpTimeout;
  for (;;) {
    proto::ZkServerStatus status = node_->Refresh();
    const Zxid zxid = ParseHexZxid(status.zxid()).value_or(0);
    if (status.code() == api::kServing && zxid >= min_zxid) break;
    if (clock_.Now() > deadline) {
      return Status(StatusCode::kUnavailable,
                    "ZooKeeper on " + node_->options().name + " did not rejoin and catch up to " +
                        request.expected_min_zxid() + " within 120 s after the offline backup");
    }
    clock_.SleepFor(std::chrono::milliseconds(200));
  }
  if (!taken.ok()) return taken.status();
  taken->set_stopped_ms(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - stopped_at).count()));
  log::Info("ZooKeeper back in the ensemble after the offline backup",
            {{"out_of_quorum_ms", std::to_string(taken->stopped_ms())}});
  return taken;
}

Result<proto::TakeReply> ReplicaStore::Take(const proto::TakeRequest& request) {
  RETURN_IF_ERROR(api::CheckBackupId(request.id()));
  if (Has(request.id())) return FailedPrecondition(request.id() + " already exists here");
  RETURN_IF_ERROR(CheckFreeSpace(
      BytesUnder(zoo_cfg_.data_dir) +
          (zoo_cfg_.data_log_dir == zoo_cfg_.data_dir ? 0 : BytesUnder(zoo_cfg_.data_log_dir)),
      "the archive"));
  if (request.mode() != "online" && request.mode() != "offline") {
    return InvalidArgument("mode must be online or offline, not '" + request.mode() + "'");
  }
  const std::string scratch = dir_ + "/.components-" + request.id();
  struct RemoveScratch {
    std::string dir;
    ~RemoveScratch() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{scratch};
  ASSIGN_OR_RETURN(ComponentFiles components, DumpComponents(request, scratch));
  if (request.mode() == "offline" && !request.skip_zookeeper()) {
    return TakeOffline(request, components);
  }
  return Archive(request, true, components);
}

Result<ReplicaStore::ComponentFiles> ReplicaStore::DumpComponents(const proto::TakeRequest& request,
                                                                  const std::string& scratch) {
  ComponentFiles files;
  if (request.components().empty()) return files;
  std::error_code ec;
  fs::create_directories(scratch, ec);
  if (ec) return IoError("cannot create " + scratch + ": " + ec.message());
  const zk::Endpoint endpoint = *zoo_cfg_.client;
  ASSIGN_OR_RETURN(std::unique_ptr<ZkClient> zk,
                   ZkClient::Connect(endpoint.ToString(), std::chrono::seconds(15),
                                     std::chrono::seconds(10), zk_auth_));
  auto server_zxid = [&]() -> Result<std::string> {
    ASSIGN_OR_RETURN(zk::SrvrInfo srvr, zk::QuerySrvr(endpoint));
    return FormatZxid(srvr.zxid);
  };
  for (const auto& component : request.components()) {
    const std::string path = scratch + "/" + component.name() + ".pb";
    ASSIGN_OR_RETURN(
        proto::ComponentDump dump,
        components::DumpSubtree(*zk, component.name(), component.path(), path, server_zxid));
    log::Info("component walked", {{"id", request.id()},
                                   {"component", component.name()},
                                   {"nodes", std::to_string(dump.node_count())}});
    files.push_back({std::move(dump), path});
  }
  return files;
}

Status ReplicaStore::Fetch(const proto::FetchRequest& request) {
  RETURN_IF_ERROR(api::CheckBackupId(request.id()));
  if (Has(request.id())) {
    ASSIGN_OR_RETURN(std::string sha, Hash(request.id()));
    if (sha == request.sha256()) return Status::Ok();
    log::Warn("replacing a corrupt replica", {{"id", request.id()}, {"sha256", sha}});
  }
  RETURN_IF_ERROR(CheckFreeSpace(request.size_bytes(), "a replica of " + request.id()));
  // A name of its own: a retried replication must not share a partial file with another.
  std::string partial = dir_ + "/." + request.id() + ".part-XXXXXX";
  const int fd = ::mkstemp(partial.data());
  if (fd < 0) return ErrnoError("cannot create a partial download in", dir_, errno);
  ::close(fd);
  Status fetched = request.from_url().starts_with("s3://")
                       ? DownloadFromRepository(request, partial)
                       : DownloadFromPeer(request, partial);
  if (fetched.ok()) fetched = Keep(request, partial);
  if (!fetched.ok()) ::unlink(partial.c_str());
  return fetched;
}

Status ReplicaStore::DownloadFromRepository(const proto::FetchRequest& request,
                                            const std::string& partial) const {
  if (repository_ == nullptr) {
    return FailedPrecondition(node_->options().name + " has no [repository] configured to fetch " +
                              request.from_url() + " from");
  }
  if (request.from_url() != repository_->UrlOf(request.id())) {
    return InvalidArgument(request.from_url() + " is not where this cluster's repository keeps " +
                           request.id() + " (" + repository_->UrlOf(request.id()) + ")");
  }
  return repository_->GetArchive(request.id(), partial);
}

Status ReplicaStore::DownloadFromPeer(const proto::FetchRequest& request,
                                      const std::string& partial) const {
  ASSIGN_OR_RETURN(http::Url from, http::ParseUrl(request.from_url()));
  http::CallOptions call{.method = "GET",
                         .target = api::paths::Fill(api::paths::kReplicaArchive, {request.id()}),
                         .token = token_,
                         .timeout = std::chrono::seconds(30),
                         .download_file = partial};
  ASSIGN_OR_RETURN(http::Reply reply, client_->Call(from, call));
  if (reply.status != 200) {
    return Status(StatusCode::kUnavailable, request.from_url() + " refused the archive: HTTP " +
                                                std::to_string(reply.status) + " " +
                                                reply.body.substr(0, 200));
  }
  return Status::Ok();
}

Status ReplicaStore::Keep(const proto::FetchRequest& request, const std::string& partial) {
  ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(partial));
  if (sha != request.sha256()) {
    return Corruption("the copy of " + request.id() + " from " + request.from_url() +
                      " has sha256 " + sha + ", expected " + request.sha256());
  }
  // The archive first, then its checksum file: a checksum never describes another archive.
  RETURN_IF_ERROR(RenameDurably(partial, PathOf(request.id()), "the replica of " + request.id()));
  return WriteFileAtomically(datadir::Sha256SidecarPath(PathOf(request.id())),
                             sha + "  " + request.id() + ".tar.zst\n", kPrivateFile);
}

Status ReplicaStore::Remove(const std::string& id) {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  for (const std::string& path : {PathOf(id), datadir::Sha256SidecarPath(PathOf(id))}) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoError("cannot delete", path, errno);
    }
  }
  return Status::Ok();
}

proto::ReplicaCheck ReplicaStore::Check(const std::string& id,
                                        const std::string& expected_sha256) const {
  proto::ReplicaCheck check;
  check.set_master(node_->options().name);
  check.set_reachable(true);
  Result<std::string> sha = Hash(id);
  if (!sha.ok()) {
    check.set_error(sha.status().message());
    return check;
  }
  check.set_sha256(*sha);
  check.set_sha256_matches(*sha == expected_sha256);
  Result<age::Identities> identities = Identities();
  if (!identities.ok()) {
    check.set_error(identities.status().message());
    return check;
  }
  Result<proto::InspectReport> report = datadir::InspectArchive(PathOf(id), dir_, *identities);
  if (!report.ok()) {
    check.set_error(report.status().message());
    return check;
  }
  check.set_valid(report->valid());
  check.set_last_zxid(report->last_zxid());
  check.set_node_count(static_cast<uint32_t>(report->node_count()));
  for (const auto& problem : report->problems()) check.add_problems(problem.message());
  return check;
}

Status ReplicaStore::Adopt(const std::string& upload, const std::string& id,
                           const std::string& sha256) {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  RETURN_IF_ERROR(WriteFileAtomically(datadir::Sha256SidecarPath(PathOf(id)),
                                      sha256 + "  " + id + ".tar.zst\n", kPrivateFile));
  return RenameDurably(upload, PathOf(id), "the imported archive " + id);
}

Result<std::string> ReplicaStore::Hash(const std::string& id) const {
  RETURN_IF_ERROR(api::CheckBackupId(id));
  return Sha256OfFile(PathOf(id));
}

}  // namespace lockstep::agent
