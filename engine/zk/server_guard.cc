#include "engine/zk/server_guard.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "common/file.h"
#include "engine/zk/four_letter.h"

namespace lockstep::zk {
namespace fs = std::filesystem;

namespace {

bool IsUnder(const std::string& path, const std::string& dir) {
  return path == dir ||
         (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

std::string Canonical(const std::string& dir) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(dir, ec);
  return ec ? dir : canonical.string();
}

std::vector<std::string> CanonicalAll(const std::vector<std::string>& dirs) {
  std::vector<std::string> roots;
  for (const auto& dir : dirs) roots.push_back(Canonical(dir));
  return roots;
}

std::string CommandOf(int pid) {
  Result<std::string> comm = ReadSmallFile("/proc/" + std::to_string(pid) + "/comm", 256);
  if (!comm.ok()) return "?";
  std::string name = *comm;
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

std::vector<std::string> CmdlineOf(int pid) {
  Result<std::string> raw = ReadSmallFile("/proc/" + std::to_string(pid) + "/cmdline", 1 << 16);
  std::vector<std::string> args;
  if (!raw.ok()) return args;
  size_t start = 0;
  while (start < raw->size()) {
    size_t end = raw->find('\0', start);
    if (end == std::string::npos) end = raw->size();
    args.push_back(raw->substr(start, end - start));
    start = end + 1;
  }
  return args;
}

// Every process but this one.
std::vector<int> OtherPids() {
  const int self = ::getpid();
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    std::string name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    int pid = std::stoi(name);
    if (pid != self) pids.push_back(pid);
  }
  return pids;
}

}  // namespace

std::optional<FileHolder> ServerConfiguredOn(const std::vector<std::string>& dirs) {
  const std::vector<std::string> roots = CanonicalAll(dirs);
  for (int pid : OtherPids()) {
    std::vector<std::string> args = CmdlineOf(pid);
    bool is_server = false;
    for (const auto& arg : args) {
      if (arg.starts_with("org.apache.zookeeper.server.")) is_server = true;
    }
    if (!is_server || args.empty()) continue;
    // ZooKeeper's main classes take the config file as their last argument.
    Result<ZooCfg> cfg = LoadZooCfg(args.back());
    if (!cfg.ok()) continue;
    for (const auto& root : roots) {
      if (Canonical(cfg->data_dir) == root || Canonical(cfg->data_log_dir) == root) {
        return FileHolder{pid, CommandOf(pid), args.back()};
      }
    }
  }
  return std::nullopt;
}

std::vector<FileHolder> ProcessesHoldingFilesUnder(const std::vector<std::string>& dirs) {
  const std::vector<std::string> roots = CanonicalAll(dirs);
  std::vector<FileHolder> holders;
  for (int pid : OtherPids()) {
    std::error_code fd_ec;  // processes vanish and some are not ours to read: skip them
    for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", fd_ec)) {
      std::error_code link_ec;
      std::string target = fs::read_symlink(fd.path(), link_ec).string();
      if (link_ec) continue;
      for (const auto& root : roots) {
        if (IsUnder(target, root)) {
          holders.push_back({pid, CommandOf(pid), target});
          break;
        }
      }
      if (!holders.empty() && holders.back().pid == pid) break;
    }
  }
  return holders;
}

Status EnsureServerStopped(const zkfmt::DataDirs& dirs, const std::optional<Endpoint>& client,
                           const std::string& advice) {
  const std::string how =
      " Stop it first (`systemctl stop dcos-exhibitor`, or `lockstep node stop-zk NAME` on a "
      "Lockstep cluster)" +
      advice + ".";
  if (client && AnswersRuok(*client)) {
    return FailedPrecondition("a ZooKeeper server is running: " + client->ToString() +
                              " answers ruok." + how);
  }
  if (auto server = ServerConfiguredOn({dirs.data_dir, dirs.data_log_dir})) {
    return FailedPrecondition("process " + std::to_string(server->pid) + " (" + server->command +
                              ") is a ZooKeeper server configured by " + server->path +
                              " on these directories." + how);
  }
  std::vector<FileHolder> holders = ProcessesHoldingFilesUnder({dirs.data_dir, dirs.data_log_dir});
  if (!holders.empty()) {
    const FileHolder& h = holders.front();
    return FailedPrecondition("process " + std::to_string(h.pid) + " (" + h.command + ") holds " +
                              h.path + " open: a server seems to be running on " +
                              "these directories." + how);
  }
  return Status::Ok();
}

}  // namespace lockstep::zk
