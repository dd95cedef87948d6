#include "engine/datadir/deep_verify.h"

#include <filesystem>

#include "common/file.h"
#include "common/scratch_dir.h"
#include "common/zxid.h"
#include "engine/datadir/restore.h"
#include "engine/zk/scratch_server.h"

namespace lockstep::datadir {
namespace fs = std::filesystem;

Result<proto::DeepCheck> DeepVerify(const DeepVerifyOptions& options) {
  const auto begun = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(ScratchDir dir,
                   ScratchDir::Create(options.scratch_parent, ".lockstep-deep-verify-"));
  const std::string& scratch = dir.path();

  RestoreOptions restore;
  restore.archive_path = options.archive;
  restore.identities = options.identities;
  restore.dirs = {scratch + "/data", scratch + "/data"};
  ASSIGN_OR_RETURN(RestoreResult restored, RunRestore(restore));
  proto::DeepCheck check;
  check.set_expected_zxid(restored.last_zxid);
  check.set_expected_node_count(static_cast<uint32_t>(restored.node_count));

  zk::ScratchServerOptions server_options{.dirs = {scratch + "/data", scratch + "/data"},
                                          .work_dir = scratch,
                                          .java = options.java,
                                          .classpath = options.classpath,
                                          .data_bytes = restored.bytes};
  ASSIGN_OR_RETURN(std::unique_ptr<zk::ScratchServer> server,
                   zk::ScratchServer::Start(server_options));
  Result<zk::SrvrInfo> srvr = server->WaitServing(options.start_timeout);
  server->Kill();
  check.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count());
  if (!srvr.ok()) {
    check.set_error(srvr.status().message());
    return check;
  }
  check.set_served_zxid(FormatZxid(srvr->zxid));
  check.set_served_node_count(static_cast<uint32_t>(srvr->node_count));
  check.set_ok(check.served_zxid() == check.expected_zxid() &&
               check.served_node_count() == check.expected_node_count());
  if (!check.ok()) {
    check.set_error("ZooKeeper serves " + check.served_zxid() + " / " +
                    std::to_string(check.served_node_count()) + " znodes; the archive records " +
                    check.expected_zxid() + " / " + std::to_string(check.expected_node_count()));
  }
  return check;
}

}  // namespace lockstep::datadir
