// A standalone ZooKeeper (Debian's package) on a free port of 127.0.0.1 over data directories of
// our own: never part of an ensemble (no server.N lines), killed when the object goes away. Used
// to check an archive with ZooKeeper itself (`backup verify --deep`) and to have ZooKeeper write a
// snapshot of staged data before a restore's outage.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "engine/zk/four_letter.h"
#include "engine/zkfmt/data_dir.h"

namespace lockstep::zk {

struct ScratchServerOptions {
  zkfmt::DataDirs dirs;
  std::string work_dir;  // holds zoo.cfg and zookeeper.out; must exist
  std::string java = "/usr/bin/java";
  std::string classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar";
  uint64_t data_bytes = 0;  // sizes the heap: the JVM needs more than the data it loads
};

class ScratchServer {
 public:
  static Result<std::unique_ptr<ScratchServer>> Start(const ScratchServerOptions& options);
  ~ScratchServer();
  ScratchServer(const ScratchServer&) = delete;
  ScratchServer& operator=(const ScratchServer&) = delete;

  // Polls `srvr` until the server serves. An error when it exits first or `timeout` passes; the
  // message points at its output file.
  Result<SrvrInfo> WaitServing(std::chrono::milliseconds timeout);
  // SIGKILL and reap: nothing the server would do on a clean shutdown is wanted here.
  void Kill();

 private:
  ScratchServer(pid_t pid, Endpoint endpoint, std::string output)
      : pid_(pid), endpoint_(std::move(endpoint)), output_(std::move(output)) {}
  pid_t pid_;
  Endpoint endpoint_;
  std::string output_;
};

}  // namespace lockstep::zk
