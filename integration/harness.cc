#include "integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/file.h"
#include "engine/zk/four_letter.h"

extern char** environ;

namespace lockstep::integration {
namespace fs = std::filesystem;

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

uint16_t FreePort(const std::string& host) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// posix_spawn of `args` (argv[0] is the program's path) with the given fd redirections.
Result<pid_t> Spawn(std::vector<std::string> args, posix_spawn_file_actions_t* actions) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(actions);
  if (rc != 0) return IoError("cannot start " + args[0] + ": " + std::strerror(rc));
  return pid;
}

}  // namespace

ZkServer::ZkServer(ZkServerOptions options) : options_(std::move(options)) {
  if (options_.data_log_dir.empty()) options_.data_log_dir = options_.data_dir;
  if (options_.port == 0) options_.port = FreePort(options_.host);
  zoo_cfg_ = options_.work_dir + "/zoo.cfg";
}

ZkServer::~ZkServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string ZkServer::endpoint() const {
  return options_.host + ":" + std::to_string(options_.port);
}

Status ZkServer::Start(std::chrono::milliseconds timeout) {
  fs::create_directories(options_.work_dir);
  std::ofstream cfg(zoo_cfg_);
  cfg << "tickTime=2000\n"
      << "dataDir=" << options_.data_dir << "\n"
      << "dataLogDir=" << options_.data_log_dir << "\n"
      << "clientPort=" << options_.port << "\n"
      << "clientPortAddress=" << options_.host << "\n"
      << "4lw.commands.whitelist=*\n"
      << "admin.enableServer=false\n"
      << "maxClientCnxns=0\n";
  cfg.close();
  std::vector<std::string> java = {"/usr/bin/java",
                                   "-Xmx" + std::to_string(options_.heap_mb) + "m",
                                   "-Dzookeeper.snapCount=" + std::to_string(options_.snap_count),
                                   "-Dzookeeper.preAllocSize=4096",
                                   "-cp",
                                   "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar",
                                   "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                                   zoo_cfg_};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = options_.work_dir + "/zookeeper.out";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  ASSIGN_OR_RETURN(pid_, Spawn(std::move(java), &actions));
  zk::Endpoint ep{options_.host, options_.port};
  bool serving = WaitFor(
      [&] {
        auto srvr = zk::QuerySrvr(ep);
        return srvr.ok() && srvr->serving;
      },
      timeout);
  if (!serving) return Status(StatusCode::kUnavailable, "ZooKeeper did not serve; see " + log);
  return Status::Ok();
}

Status ZkServer::Stop() {
  if (pid_ <= 0) return Status::Ok();
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return Status::Ok();
}

namespace {
std::string ReadAll(int fd) {
  std::string out;
  std::array<char, 65536> buf{};
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0)
    out.append(buf.data(), static_cast<size_t>(n));
  return out;
}
}  // namespace

CliResult RunCli(const std::vector<std::string>& args) {
  std::vector<std::string> full = {LOCKSTEP_CLI_PATH};
  full.insert(full.end(), args.begin(), args.end());
  int out_pipe[2], err_pipe[2];
  if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  Result<pid_t> spawned = Spawn(std::move(full), &actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  CliResult result;
  if (!spawned.ok()) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    result.err = spawned.status().message();
    return result;
  }
  pid_t pid = *spawned;
  // stderr is small (errors, -v listing); stdout is read first, then stderr.
  std::thread err_reader([&] { result.err = ReadAll(err_pipe[0]); });
  result.out = ReadAll(out_pipe[0]);
  err_reader.join();
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Result<TreeDump> DumpTree(ZkClient& client, const std::string& root) {
  TreeDump dump;
  std::vector<std::string> pending{root};
  while (!pending.empty()) {
    std::string path = pending.back();
    pending.pop_back();
    if (path == "/zookeeper") continue;
    ASSIGN_OR_RETURN(auto got, client.Get(path));
    ASSIGN_OR_RETURN(auto acl, client.GetAcl(path));
    dump[path] = {got.first, acl, got.second};
    ASSIGN_OR_RETURN(auto children, client.Children(path));
    for (const auto& child : children)
      pending.push_back(path == "/" ? "/" + child : path + "/" + child);
  }
  return dump;
}

}  // namespace lockstep::integration
