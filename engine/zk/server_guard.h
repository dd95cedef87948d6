// Is a ZooKeeper server running on these data directories? Three independent signals, because
// each alone can miss: the client port answers `ruok`; a ZooKeeper process's config names the
// directories; some process holds a file open inside them (found through /proc/<pid>/fd).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/zk/zoo_cfg.h"
#include "engine/zkfmt/data_dir.h"

namespace lockstep::zk {

struct FileHolder {
  int pid = 0;
  std::string command;  // /proc/<pid>/comm
  std::string path;     // one file it holds open
};

// A ZooKeeper server process (found by its command line) whose config names one of `dirs` as its
// dataDir or dataLogDir. An idle server holds no file open, so this catches what /proc/fd misses.
std::optional<FileHolder> ServerConfiguredOn(const std::vector<std::string>& dirs);

// Processes other than this one with a file open under any of `dirs`.
std::vector<FileHolder> ProcessesHoldingFilesUnder(const std::vector<std::string>& dirs);

// FailedPrecondition naming what was found and how to stop it (followed by `advice`), or Ok.
Status EnsureServerStopped(const zkfmt::DataDirs& dirs, const std::optional<Endpoint>& client,
                           const std::string& advice = "");

}  // namespace lockstep::zk
