#include "agent/master/remote_check.h"

#include <unistd.h>

#include <cerrno>

#include "common/sha256.h"
#include "engine/datadir/inspect_archive.h"

namespace lockstep::agent {
namespace {

// Removes the download however the check ends.
class ScratchFile {
 public:
  explicit ScratchFile(std::string path) : path_(std::move(path)) {}
  ~ScratchFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Status CheckInto(const proto::Backup& record, const Repository& repository,
                 const ReplicaStore& replicas, proto::ReplicaCheck* check) {
  const std::string& url = check->master();
  if (record.remote().status() != proto::STATUS_READY) {
    return FailedPrecondition("the repository holds no complete copy of " + record.id() +
                              " (remote " + proto::BackupStatus_Name(record.remote().status()) +
                              ")");
  }
  // A dot name: a crash leaves nothing the store would take for a replica (Open clears them).
  std::string name = replicas.dir() + "/.remote-check-" + record.id() + "-XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return ErrnoError("cannot create a scratch file in", replicas.dir(), errno);
  ::close(fd);
  ScratchFile scratch(name);
  RETURN_IF_ERROR(repository.GetArchive(record.id(), scratch.path()).Prepend("downloading " + url));
  check->set_reachable(true);
  ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(scratch.path()));
  check->set_sha256(sha);
  check->set_sha256_matches(sha == record.sha256());
  if (!check->sha256_matches()) {
    return Corruption("the stored object " + url + " has sha256 " + sha + ", not the record's " +
                      record.sha256() + ": it was damaged in the store");
  }
  ASSIGN_OR_RETURN(age::Identities identities, replicas.Identities());
  ASSIGN_OR_RETURN(proto::InspectReport report,
                   datadir::InspectArchive(scratch.path(), replicas.dir(), identities));
  check->set_valid(report.valid());
  check->set_last_zxid(report.last_zxid());
  check->set_node_count(static_cast<uint32_t>(report.node_count()));
  for (const auto& problem : report.problems()) check->add_problems(problem.message());
  return Status::Ok();
}

}  // namespace

proto::ReplicaCheck CheckRemoteCopy(const proto::Backup& record, const Repository& repository,
                                    const ReplicaStore& replicas) {
  proto::ReplicaCheck check;
  check.set_master("repository " + repository.UrlOf(record.id()));
  Status checked = CheckInto(record, repository, replicas, &check);
  if (!checked.ok()) check.set_error(checked.message());
  return check;
}

}  // namespace lockstep::agent
