// lockstep-sandbox up|down|status --dir DIR [--masters N] [--object-store[=s3rver|swift]
// [--encrypt]] [--netns]: a local cluster of N masters, each a real ZooKeeper server under a real
// lockstep-agent on 127.0.1.i (docs/design.md "Testing"), optionally with an S3 repository
// (sandbox_repository.h), or each master in a network namespace of its own (netns.h), which
// `partition` and `heal` cut apart and join again.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "common/file.h"
#include "integration/mini_cluster.h"
#include "integration/sandbox_repository.h"

namespace {

using lockstep::integration::MiniCluster;
using lockstep::integration::MiniClusterOptions;
using lockstep::integration::ObjectStoreKind;
using lockstep::integration::SandboxRepositoryOptions;

int Up(MiniClusterOptions options, const SandboxRepositoryOptions* repository) {
  if (std::filesystem::exists(options.dir + "/cluster.env")) {
    std::cerr << "lockstep-sandbox: " << options.dir
              << " already holds a sandbox; run `lockstep-sandbox down --dir " << options.dir
              << "` first (its data is kept)\n";
    return 2;
  }
  std::cerr << "starting " << options.masters << " masters under " << options.dir << " (127.0.1.1-"
            << options.masters << ", agents on port " << options.agent_port << ", ZooKeeper on "
            << options.zk_client_port << ")…\n";
  auto started = std::chrono::steady_clock::now();
  if (repository != nullptr) {
    lockstep::Status store = StartSandboxRepository(*repository, &options);
    if (!store.ok()) {
      std::cerr << "lockstep-sandbox: " << store.message() << "\n";
      return 1;
    }
    std::cerr << "S3 repository on 127.0.0.1:" << repository->port << " (data in " << options.dir
              << "/s3" << (repository->encrypt ? "; archives encrypted with age" : "") << ")\n";
  }
  MiniCluster cluster(options);
  lockstep::Status up = cluster.Up();
  if (!up.ok()) {
    std::cerr << "lockstep-sandbox: " << up.message() << "\n";
    (void)cluster.Down();
    (void)lockstep::integration::StopSandboxRepository(options.dir);
    std::filesystem::remove(options.dir + "/cluster.env");
    return 1;
  }
  if (lockstep::Status detached = cluster.Detach(); !detached.ok()) {
    std::cerr << "lockstep-sandbox: " << detached.message() << "\n";
    return 1;
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cerr << "healthy after " << static_cast<int>(seconds * 10) / 10.0 << " s: one leader, "
            << options.masters << " serving\n"
            << "tokens: admin in " << cluster.token_file() << " ($LOCKSTEP_TOKEN_FILE), viewer in "
            << cluster.viewer_token_file() << " ($LOCKSTEP_VIEWER_TOKEN_FILE)\n"
            << "console: " << cluster.url(1) << "/ui/ (sign in with the viewer token)\n";
  std::cout << "cluster.env: " << options.dir << "/cluster.env\n"
            << "use it with:  set -a; . " << options.dir << "/cluster.env; set +a; "
            << "lockstep cluster status\n";
  return 0;
}

int Down(const std::string& dir) {
  lockstep::Status down = MiniCluster::DownDir(dir);
  if (down.ok()) down = lockstep::integration::StopSandboxRepository(dir);
  if (!down.ok()) {
    std::cerr << "lockstep-sandbox: " << down.message() << "\n";
    return down.code() == lockstep::StatusCode::kNotFound ? 3 : 1;
  }
  std::filesystem::remove(dir + "/cluster.env");
  std::cout << "sandbox under " << dir
            << " stopped; no agent or ZooKeeper left running (data kept)\n";
  return 0;
}

// `partition --dir DIR m2 [m3 …]`: those masters cut off from the others; `heal`: joined again.
int Partition(const std::string& dir, const std::vector<std::string>& names, bool heal) {
  auto networks = MiniCluster::AttachNetworks(dir);
  if (!networks.ok()) {
    std::cerr << "lockstep-sandbox: " << networks.status().message() << "\n";
    return 2;
  }
  if (heal) {
    lockstep::Status healed = (*networks)->Heal();
    std::cout << (healed.ok() ? "healed: every master reaches every other\n" : "");
    if (!healed.ok()) std::cerr << "lockstep-sandbox: " << healed.message() << "\n";
    return healed.ok() ? 0 : 1;
  }
  std::set<int> side;
  for (const std::string& name : names) {
    const int i = name.size() >= 2 && name[0] == 'm' ? std::atoi(name.c_str() + 1) : 0;
    if (i < 1) {
      std::cerr << "lockstep-sandbox: '" << name << "' is not a master name (m1, m2, …)\n";
      return 2;
    }
    side.insert(i);
  }
  lockstep::Status cut = (*networks)->Partition(side);
  if (!cut.ok()) {
    std::cerr << "lockstep-sandbox: " << cut.message() << "\n";
    return 1;
  }
  std::cout << "cut off from the other masters:";
  for (const std::string& name : names) std::cout << " " << name;
  std::cout << " (the sandbox's own address still reaches every master; `heal` joins them)\n";
  return 0;
}

int StatusOf(const std::string& dir) {
  auto env = lockstep::ReadSmallFile(dir + "/cluster.env", 4096);
  if (!env.ok()) {
    std::cerr << "lockstep-sandbox: no sandbox under " << dir << " (no cluster.env)\n";
    return 3;
  }
  // Same view operators get: `lockstep cluster status` with the sandbox's environment.
  std::string cluster, token, ca;
  std::istringstream lines(*env);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "LOCKSTEP_CLUSTER") cluster = value;
    if (key == "LOCKSTEP_TOKEN_FILE") token = value;
    if (key == "LOCKSTEP_CA_FILE") ca = value;
  }
  std::vector<std::string> args = {LOCKSTEP_CLI_PATH, "--cluster", cluster, "--token-file", token};
  if (!ca.empty()) args.insert(args.end(), {"--ca-file", ca});
  args.insert(args.end(), {"cluster", "status"});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  std::cerr << "lockstep-sandbox: cannot run " << args[0] << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "lockstep-sandbox: a local multi-master cluster of real ZooKeeper servers and "
      "lockstep agents, master i on 127.0.1.i."};
  app.require_subcommand(1);
  MiniClusterOptions options;
  options.archiving = true;  // as a production agent: on unless configured off
  options.console = true;    // the web console, for a newcomer to look at
  auto* up = app.add_subcommand("up", "Start the sandbox; returns once every server serves.");
  auto* down = app.add_subcommand("down", "Stop every agent and server of the sandbox.");
  auto* status = app.add_subcommand("status", "`lockstep cluster status` of the sandbox.");
  auto* partition = app.add_subcommand(
      "partition", "Cut the masters named off from the others (a sandbox started with --netns).");
  auto* heal = app.add_subcommand("heal", "Undo every partition of the sandbox.");
  std::vector<std::string> cut_off;
  partition->add_option("MASTER", cut_off, "m1, m2, …")->required();
  for (auto* cmd : {up, down, status, partition, heal}) {
    cmd->add_option("--dir", options.dir, "the sandbox's directory")->required();
  }
  up->add_option("--masters", options.masters, "number of masters")->check(CLI::Range(1, 9));
  up->add_option("--agent-port", options.agent_port, "agents' port on every address");
  up->add_option("--zk-port", options.zk_client_port, "ZooKeeper client port on every address");
  up->add_option("--heap-mb", options.heap_mb, "each ZooKeeper JVM's heap (MiB)");
  up->add_option("--snap-count", options.snap_count,
                 "ZooKeeper's snapCount: transactions between snapshots (small values let a test "
                 "purge the logs)")
      ->check(CLI::Range(10, 10000000));
  up->add_flag("--tls", options.tls, "agents serve HTTPS with a self-signed certificate");
  bool no_archiving = false;
  up->add_flag("--no-archiving", no_archiving,
               "agents with [archiving] enabled = false (benchmarks compare against it)");
  up->add_flag("--netns", options.netns,
               "each master in a network namespace of its own (10.77.S.i), so `partition` can "
               "cut masters apart (needs root)");
  std::string object_store;
  SandboxRepositoryOptions repository;
  up->add_flag("--object-store{s3rver}", object_store,
               "also run an S3 server on 127.0.0.1 and copy every backup to it: s3rver (the "
               "default) or swift (OpenStack Swift's S3 API, the stricter)")
      ->check(CLI::IsMember({"s3rver", "swift"}));
  auto* encrypt = up->add_flag("--encrypt", repository.encrypt,
                               "encrypt every archive with a generated age identity");
  up->add_option("--s3-port", repository.port, "the S3 server's port (--object-store)");
  encrypt->needs(up->get_option("--object-store"));
  CLI11_PARSE(app, argc, argv);
  options.dir = std::filesystem::absolute(options.dir).lexically_normal().string();
  if (*up) {
    options.zk_quorum_port = static_cast<uint16_t>(options.zk_client_port + 707);     // 2888
    options.zk_election_port = static_cast<uint16_t>(options.zk_client_port + 1707);  // 3888
    options.archiving = !no_archiving;
    repository.kind = object_store == "swift" ? ObjectStoreKind::kSwift : ObjectStoreKind::kS3rver;
    return Up(options, object_store.empty() ? nullptr : &repository);
  }
  if (*down) return Down(options.dir);
  if (*partition || *heal) return Partition(options.dir, cut_off, heal->parsed());
  return StatusOf(options.dir);
}
