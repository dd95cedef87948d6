#include "cli/cluster_commands.h"

#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/exhibitor_code.h"
#include "api/paths.h"
#include "cli/exit_codes.h"
#include "proto/agent.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string RenderStatusTable(const proto::ClusterStatus& status) {
  std::vector<std::vector<std::string>> rows = {
      {"MASTER", "AGENT", "VERSION", "ZOOKEEPER", "MODE", "ZXID", "NODES", "LEADER"}};
  for (const auto& m : status.masters()) {
    const auto& zk = m.zk();
    std::string state = zk.description() + (zk.maintenance() ? " (maintenance)" : "");
    bool serving = zk.code() == api::kServing;
    rows.push_back({m.name(), m.agent_reachable() ? "up" : "unreachable", OrDash(m.version()),
                    state, OrDash(zk.mode()), OrDash(zk.zxid()),
                    serving ? std::to_string(zk.node_count()) : "-",
                    serving && zk.is_leader() ? "*" : ""});
  }
  std::ostringstream out;
  out << RenderTable(rows);
  out << "\nquorum: " << (status.quorum() ? "yes" : "NO") << " (" << status.serving() << " of "
      << status.voters() << " serving)   leader: "
      << (status.leaders() == 1   ? status.leader()
          : status.leaders() == 0 ? std::string("none (election in progress or no quorum)")
                                  : std::to_string(status.leaders()) + " servers claim to lead")
      << "   answered by: " << status.answered_by() << "\n";
  for (const auto& m : status.masters()) {
    if (!m.agent_reachable())
      out << "  " << m.name() << ": " << m.error() << "\n";
    else if (m.zk().code() != api::kServing && !m.zk().error().empty()) {
      out << "  " << m.name() << ": " << m.zk().error() << "\n";
    }
  }
  return out.str();
}

int ExitCodeForCluster(const proto::ClusterStatus& status) {
  return status.quorum() && status.leaders() == 1 ? kExitOk : kExitFailed;
}

int ShowStatus(const OutputOptions& output, const ClusterFlags& cluster, bool clear_screen) {
  proto::ClusterStatus status;
  Status called = CallApiFor(cluster, {.path = api::paths::kClusterStatus}, &status);
  if (!called.ok()) {
    PrintError(called, output);
    return ExitCodeFor(called);
  }
  if (output.json) {
    PrintJson(status);
  } else {
    if (clear_screen) std::cout << "\033[H\033[2J";
    std::cout << RenderStatusTable(status) << std::flush;
  }
  return ExitCodeForCluster(status);
}

void AddStatus(CLI::App* cluster_cmd, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code) {
  struct Flags {
    bool watch = false;
    double interval = 2;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = cluster_cmd->add_subcommand(
      "status",
      "Every master's agent and ZooKeeper server, the leader and the quorum.\n"
      "Exit 0 with a quorum and exactly one leader, 1 otherwise, 5 when no agent answers.");
  cmd->add_flag("--watch", flags->watch, "refresh until interrupted");
  cmd->add_option("--interval", flags->interval, "seconds between refreshes with --watch")
      ->check(CLI::Range(0.2, 3600.0));
  cmd->callback([=, &output, &cluster] {
    const bool tty = isatty(STDOUT_FILENO);
    for (;;) {
      *exit_code = ShowStatus(output, cluster, flags->watch && tty && !output.json);
      if (!flags->watch) return;
      std::this_thread::sleep_for(std::chrono::duration<double>(flags->interval));
    }
  });
}

void AddNodeAction(CLI::App* node_cmd, const std::string& verb, const std::string& action,
                   const std::string& help, const OutputOptions& output,
                   const ClusterFlags& cluster, int* exit_code) {
  struct Flags {
    std::string name;
    std::string reason;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = node_cmd->add_subcommand(verb, help);
  cmd->add_option("NAME", flags->name, "the master, as `lockstep cluster status` names it")
      ->required();
  cmd->add_option("--reason", flags->reason, "recorded in the agent's log and maintenance flag");
  cmd->callback([=, &output, &cluster] {
    proto::ZkActionRequest request;
    request.set_reason(flags->reason);
    proto::ZkActionReply reply;
    std::cerr << action << " ZooKeeper on " << flags->name << "…\n";
    Status done =
        CallApiFor(cluster,
                   {.method = "POST",
                    .path = api::paths::Fill(api::paths::kNodeZkAction, {flags->name, action}),
                    .body = proto::ToCompactJson(request),
                    .timeout = std::chrono::seconds(120)},
                   &reply);
    if (ReportFailure(done, output, exit_code)) return;
    if (output.json) {
      PrintJson(reply);
    } else {
      std::cout << flags->name << ": ZooKeeper " << (action == "stop" ? "stopped" : "started")
                << (reply.zk().maintenance() ? " (maintenance: stays down until `lockstep node "
                                               "start-zk " +
                                                   flags->name + "`)"
                                             : "")
                << "\n";
    }
    *exit_code = kExitOk;
  });
}

}  // namespace

void AddClusterCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                        int* exit_code) {
  auto* cluster_cmd = app.add_subcommand("cluster", "The cluster as the agents see it.");
  cluster_cmd->require_subcommand(1);
  AddStatus(cluster_cmd, output, cluster, exit_code);

  auto* node_cmd = app.add_subcommand("node", "Maintenance of one master's ZooKeeper server.");
  node_cmd->require_subcommand(1);
  AddNodeAction(node_cmd, "stop-zk", "stop",
                "Stop NAME's ZooKeeper server and keep it stopped (maintenance) until start-zk.",
                output, cluster, exit_code);
  AddNodeAction(node_cmd, "start-zk", "start",
                "Start NAME's ZooKeeper server and end its maintenance.", output, cluster,
                exit_code);
  AddNodeAction(node_cmd, "restart-zk", "restart", "Stop and start NAME's ZooKeeper server.",
                output, cluster, exit_code);
}

}  // namespace lockstep::cli
