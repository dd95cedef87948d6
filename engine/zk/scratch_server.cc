#include "engine/zk/scratch_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/file.h"
#include "common/process.h"

namespace lockstep::zk {
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

std::string HeapFor(uint64_t data_bytes) {
  const uint64_t mib = 256 + 3 * (data_bytes >> 20);
  return std::to_string(std::min<uint64_t>(mib, 16384)) + "m";
}

// tickTime is long on purpose: sessions restored from the data expire in whole ticks, and an
// expiry would write a closeSession transaction - data beyond what was loaded.
std::string ConfigFor(const zkfmt::DataDirs& dirs, uint16_t port) {
  return "tickTime=30000\ndataDir=" + dirs.data_dir + "\ndataLogDir=" + dirs.data_log_dir +
         "\nclientPort=" + std::to_string(port) +
         "\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\n";
}

// The end of the server's output, for the error: its file goes with the scratch directory.
std::string LastLineOf(const std::string& output) {
  Result<std::string> text = ReadSmallFile(output, 16 << 20);
  if (!text.ok()) return "";
  std::string_view rest(*text);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r')) rest.remove_suffix(1);
  const size_t start = rest.find_last_of('\n');
  std::string line(start == std::string_view::npos ? rest : rest.substr(start + 1));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line.empty() ? "" : " (its last output: " + line + ")";
}

}  // namespace

Result<std::unique_ptr<ScratchServer>> ScratchServer::Start(const ScratchServerOptions& options) {
  ASSIGN_OR_RETURN(uint16_t port, FreeLoopbackPort());
  const std::string cfg = options.work_dir + "/zoo.cfg";
  RETURN_IF_ERROR(WriteFileAtomically(cfg, ConfigFor(options.dirs, port)));
  const std::string output = options.work_dir + "/zookeeper.out";
  ASSIGN_OR_RETURN(
      pid_t pid,
      SpawnProcess({options.java, "-Xmx" + HeapFor(options.data_bytes), "-cp", options.classpath,
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg},
                   {.output_file = output, .die_with_parent = true}));
  return std::unique_ptr<ScratchServer>(new ScratchServer(pid, {"127.0.0.1", port}, output));
}

ScratchServer::~ScratchServer() { Kill(); }

void ScratchServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitForExit(pid_, std::chrono::seconds(10));
  pid_ = -1;
}

Result<SrvrInfo> ScratchServer::WaitServing(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pid_ <= 0 || TryReap(pid_)) {
      pid_ = -1;
      return Internal("the scratch ZooKeeper exited while loading the data" + LastLineOf(output_));
    }
    Result<SrvrInfo> srvr = QuerySrvr(endpoint_, std::chrono::seconds(2));
    if (srvr.ok() && srvr->serving) return srvr;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Internal("the scratch ZooKeeper did not serve within " +
                  std::to_string(timeout.count() / 1000) + " s" + LastLineOf(output_));
}

}  // namespace lockstep::zk
