// Is a ZooKeeper server running on these data directories? Two independent signals, because
// either alone can miss: the client port answers `ruok`, or some process holds a file open inside
// the directories (found through /proc/<pid>/fd).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "node-agent/zk/zoo_cfg.h"
#include "node-agent/zkfmt/data_dir.h"

namespace lockstep::zk {

struct FileHolder {
  int pid = 0;
  std::string command;  // /proc/<pid>/comm
  std::string path;     // one file it holds open
};

// Processes other than this one with a file open under any of `dirs`.
std::vector<FileHolder> ProcessesHoldingFilesUnder(const std::vector<std::string>& dirs);

// FailedPrecondition naming what was found and how to stop it (followed by `advice`), or Ok.
Status EnsureServerStopped(const zkfmt::DataDirs& dirs, const std::optional<Endpoint>& client,
                           const std::string& advice = "");

}  // namespace lockstep::zk
