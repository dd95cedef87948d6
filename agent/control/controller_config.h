// How the agent controls its master's ZooKeeper server (`[controller]` in agent.toml): run and
// supervise the JVM itself (process), through a systemd unit (systemd), or with the operator's
// own commands (exec). Plain settings; agent/config/config.cc parses them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace lockstep::control {

struct ProcessControllerConfig {
  std::string java = "/usr/bin/java";
  std::string heap = "512m";  // -Xmx
  std::string classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar";
  std::vector<std::string> jvm_flags;
  std::string log_file;  // default: STORE_DIR/zookeeper.out
  std::chrono::milliseconds stop_grace{10000};
  std::chrono::milliseconds restart_backoff_min{1000};
  std::chrono::milliseconds restart_backoff_max{30000};
  bool stop_on_exit = true;  // the agent owns the JVM: stopping the agent stops ZooKeeper
};

struct SystemdControllerConfig {
  std::string unit;
  std::string systemctl = "systemctl";
};

struct ExecControllerConfig {
  std::string start;
  std::string stop;
  std::chrono::milliseconds timeout{120000};
};

struct ControllerConfig {
  std::string backend;  // process | systemd | exec
  ProcessControllerConfig process;
  SystemdControllerConfig systemd;
  ExecControllerConfig exec;
};

}  // namespace lockstep::control
