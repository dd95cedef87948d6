// Starting, signalling and reaping child processes, and running short shell commands with a
// deadline. Used by the ZooKeeper controllers and by the test harness.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace lockstep {

struct SpawnOptions {
  std::string output_file;  // stdout and stderr appended here; empty: inherit
  bool new_session = true;  // setsid(): terminal signals to the parent don't reach the child
  // SIGKILL the child when the thread that started it dies (with the agent, SIGKILL included):
  // for helpers nobody else would ever stop, such as a scratch ZooKeeper.
  bool die_with_parent = false;
};

// fork + exec of argv[0] (a path), stdin from /dev/null, other descriptors closed.
Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options);

// The child's exit as a short phrase ("exit 0", "killed by SIGKILL") when it has ended; nullopt
// while it still runs. Reaps it.
std::optional<std::string> TryReap(pid_t pid);

// Waits up to `timeout` for a child to end; returns how it ended, or nullopt on timeout.
std::optional<std::string> WaitForExit(pid_t pid, std::chrono::milliseconds timeout);

// True while `pid` exists (any process, not only children) and is not a zombie.
bool ProcessAlive(pid_t pid);

struct CommandResult {
  int exit_code = -1;  // -1 when killed for exceeding the deadline or by a signal
  std::string output;  // stdout and stderr together, at most 64 KiB (the tail is kept)
  bool timed_out = false;
};

// Runs `command` through /bin/sh -c, killing its process group when the deadline passes.
Result<CommandResult> RunShellCommand(const std::string& command,
                                      std::chrono::milliseconds timeout);

}  // namespace lockstep
