#include "node-agent/local/deep_verify.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/file.h"
#include "common/process.h"
#include "common/zxid.h"
#include "node-agent/local/restore.h"
#include "node-agent/zk/four_letter.h"

namespace lockstep::local {
namespace fs = std::filesystem;
namespace {

Result<uint16_t> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    close(fd);
    return IoError("no free port on 127.0.0.1");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// The JVM needs a heap larger than the data it loads.
std::string HeapFor(uint64_t data_bytes) {
  const uint64_t mib = 256 + 3 * (data_bytes >> 20);
  return std::to_string(std::min<uint64_t>(mib, 16384)) + "m";
}

}  // namespace

Result<proto::DeepCheck> DeepVerify(const DeepVerifyOptions& options) {
  const auto begun = std::chrono::steady_clock::now();
  std::string scratch = options.scratch_parent + "/.lockstep-deep-verify-XXXXXX";
  if (mkdtemp(scratch.data()) == nullptr) return ErrnoError("cannot create", scratch, errno);
  struct Cleanup {
    std::string dir;
    pid_t pid = -1;
    ~Cleanup() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        WaitForExit(pid, std::chrono::seconds(10));
      }
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{scratch};

  RestoreOptions restore;
  restore.archive_path = options.archive;
  restore.dirs = {scratch + "/data", scratch + "/data"};
  ASSIGN_OR_RETURN(RestoreResult restored, RunRestore(restore));
  proto::DeepCheck check;
  check.set_expected_zxid(restored.last_zxid);
  check.set_expected_node_count(static_cast<uint32_t>(restored.node_count));

  ASSIGN_OR_RETURN(uint16_t port, FreeLoopbackPort());
  const std::string cfg = scratch + "/zoo.cfg";
  RETURN_IF_ERROR(WriteFileAtomically(
      cfg, "tickTime=2000\ndataDir=" + scratch + "/data\nclientPort=" + std::to_string(port) +
               "\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\n"
               "admin.enableServer=false\n"));
  ASSIGN_OR_RETURN(
      cleanup.pid,
      SpawnProcess({options.java, "-Xmx" + HeapFor(restored.bytes), "-cp", options.classpath,
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg},
                   {.output_file = scratch + "/zookeeper.out"}));
  const zk::Endpoint endpoint{"127.0.0.1", port};
  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  Result<zk::SrvrInfo> srvr = Status(StatusCode::kUnavailable, "not started");
  while (std::chrono::steady_clock::now() < deadline) {
    if (TryReap(cleanup.pid)) {
      cleanup.pid = -1;
      check.set_error("the scratch ZooKeeper exited while loading the data; see its output");
      return check;
    }
    srvr = zk::QuerySrvr(endpoint, std::chrono::seconds(2));
    if (srvr.ok() && srvr->serving) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  check.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count());
  if (!srvr.ok() || !srvr->serving) {
    check.set_error("the scratch ZooKeeper did not serve within " +
                    std::to_string(options.start_timeout.count()) + " s");
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

}  // namespace lockstep::local
