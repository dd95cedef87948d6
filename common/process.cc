#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>

namespace lockstep {
namespace {

constexpr size_t kOutputLimit = 64 * 1024;

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(status)));
  }
  return "ended";
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, int out_fd, const SpawnOptions& options,
                            pid_t parent) {
  if (options.new_session) setsid();
  if (options.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before the line above
  }
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  if (out_fd >= 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
  }
  // Don't leak the parent's sockets and files (the agent's listening socket above all).
  for (int fd = STDERR_FILENO + 1; fd < 1024; ++fd) close(fd);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

}  // namespace

Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return InvalidArgument("no program to start");
  if (access(argv[0].c_str(), X_OK) != 0) {
    return ErrnoError("cannot execute", argv[0], errno);
  }
  int out_fd = -1;
  if (!options.output_file.empty()) {
    out_fd = open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) return ErrnoError("cannot open output file", options.output_file, errno);
  }
  std::vector<std::string> copy = argv;
  std::vector<char*> raw;
  for (auto& arg : copy) raw.push_back(arg.data());
  raw.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) ExecChild(raw, out_fd, options, parent);
  int fork_errno = errno;
  if (out_fd >= 0) close(out_fd);
  if (pid < 0) return ErrnoError("cannot fork to start", argv[0], fork_errno);
  return pid;
}

std::optional<std::string> TryReap(pid_t pid) {
  int status = 0;
  pid_t rc = waitpid(pid, &status, WNOHANG);
  if (rc == pid) return DescribeWaitStatus(status);
  if (rc < 0 && errno == ECHILD) return "gone";
  return std::nullopt;
}

std::optional<std::string> WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto how = TryReap(pid)) return how;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

Result<CommandResult> RunShellCommand(const std::string& command,
                                      std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoError("cannot create pipe for", command, errno);
  std::vector<std::string> argv = {"/bin/sh", "-c", command};
  std::vector<char*> raw;
  for (auto& arg : argv) raw.push_back(arg.data());
  raw.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fds[0]);
    // Its own session = its own process group to kill.
    ExecChild(raw, pipe_fds[1], {.new_session = true}, parent);
  }
  int fork_errno = errno;
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    return ErrnoError("cannot fork to run", command, fork_errno);
  }
  CommandResult result;
  int status = 0;
  bool reaped = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (ready <= 0) {
      // A daemon the command started may keep the pipe open: the shell's exit is the end.
      if (waitpid(pid, &status, WNOHANG) == pid) {
        reaped = true;
        break;
      }
      continue;
    }
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // every writer closed: the command (and its children) are done
    result.output.append(buffer, static_cast<size_t>(n));
    if (result.output.size() > kOutputLimit) {
      result.output.erase(0, result.output.size() - kOutputLimit);
    }
  }
  close(pipe_fds[0]);
  if (!reaped) waitpid(pid, &status, 0);
  result.exit_code = (!result.timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace lockstep
