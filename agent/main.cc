// lockstep-agent --config agent.toml: runs on every master (docs/design.md "The agent").
#include <signal.h>
#include <sys/prctl.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "agent/agent.h"
#include "agent/http/routes.h"
#include "common/heap.h"
#include "common/log.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "lockstep-agent: controls this master's ZooKeeper server, reports its status and "
      "serves Lockstep's API."};
  std::string config_path;
  bool check_only = false;
  bool print_routes = false;
  auto* config_option = app.add_option("--config", config_path, "agent configuration (TOML)");
  app.add_flag("--check", check_only, "validate the configuration and exit");
  bool internal_routes = false;
  app.add_flag("--routes", print_routes,
               "print the operators' endpoints as a Markdown table (docs/api.md's) and exit");
  app.add_flag("--internal", internal_routes, "with --routes: the agents' own endpoints instead");
  app.set_version_flag("--version", "lockstep-agent " + std::string(lockstep::Version()));
  CLI11_PARSE(app, argc, argv);
  if (print_routes) {
    lockstep::agent::Services all;
    all.console = true;       // listed: served when [ui] enabled
    all.crash_points = true;  // listed, marked tests only
    std::cout << lockstep::agent::RouteTableMarkdown(lockstep::agent::AgentRoutes(all),
                                                     internal_routes);
    return 0;
  }
  if (config_option->count() == 0) {
    std::cerr << "lockstep-agent: --config is required (see --help)\n";
    return 2;
  }
  lockstep::BoundHeapGrowth();
  // Not dumpable: no core dump and no ptrace by other processes of the same user, since this
  // process holds the cluster credential, S3 keys and, during a restore, age identities.
  // (ZooKeeper's JVM, a child started with exec, is dumpable again as usual.)
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    std::cerr << "lockstep-agent: warning: could not make the process non-dumpable\n";
  }

  auto config = lockstep::agent::LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "lockstep-agent: " << config.status().message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << config_path << ": ok\n";
    return 0;
  }
  lockstep::log::SetMaster(config->name);
  lockstep::log::SetOperation("agent");

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto agent = lockstep::agent::Agent::Create(std::move(*config));
  if (!agent.ok()) {
    lockstep::log::Error("cannot start", {{"error", agent.status().message()}});
    return 1;
  }
  if (auto began = (*agent)->Begin(); !began.ok()) {
    lockstep::log::Error("cannot start", {{"error", began.message()}});
    return 1;
  }
  int received = 0;
  sigwait(&stop_signals, &received);
  lockstep::log::Info("stopping", {{"signal", strsignal(received)}});
  (*agent)->End();
  lockstep::log::Info("stopped");
  return 0;
}
