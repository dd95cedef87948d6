// lockstep: the operator's command. See docs/design.md "CLI contract".
#include <google/protobuf/stubs/common.h>

#include <CLI/CLI.hpp>

#include "cli/archive_commands.h"
#include "cli/audit_command.h"
#include "cli/backup_commands.h"
#include "cli/cluster_commands.h"
#include "cli/completion.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/schedule_commands.h"
#include "cli/zk_commands.h"
#include "common/log.h"
#include "common/version.h"

int main(int argc, char** argv) {
  using namespace lockstep::cli;
  CLI::App app{
      "Lockstep backs up and restores the ZooKeeper ensemble of a multi-master cluster.\n"
      "Cluster commands talk to any agent: lockstep cluster status, lockstep node stop-zk NAME.\n"
      "Single-master commands (run on the master): lockstep zk backup|restore|inspect."};
  app.require_subcommand(1);
  app.fallthrough();  // global options may stand before or after the command
  OutputOptions output;
  ClusterFlags cluster;
  app.add_flag("--json", output.json, "print the API's JSON instead of text");
  app.add_option(
         "--cluster", cluster.url,
         "any agent's URL, e.g. http://10.0.0.1:8420, or the agents' behind a proxy with its "
         "path prefix (https://dcos.example.com/service/lockstep); a comma-separated list is "
         "tried in order")
      ->envname("LOCKSTEP_CLUSTER");
  app.add_option("--token-file", cluster.token_file,
                 "file holding your API token (its role decides what you may do)")
      ->envname("LOCKSTEP_TOKEN_FILE");
  app.add_option("--ca-file", cluster.ca_file, "CA certificate that signed the agents' (https)")
      ->envname("LOCKSTEP_CA_FILE");
  app.add_option("--client-cert", cluster.client_cert_file,
                 "client certificate (PEM) for agents that require one ([tls] client_ca_file)")
      ->envname("LOCKSTEP_CLIENT_CERT");
  app.add_option("--client-key", cluster.client_key_file, "the client certificate's private key")
      ->envname("LOCKSTEP_CLIENT_KEY");
  app.set_version_flag("--version", "lockstep " + std::string(lockstep::Version()));
  lockstep::log::SetOperation("cli");
  int exit_code = kExitOk;
  AddZkCommands(app, output, &exit_code);
  AddClusterCommands(app, output, cluster, &exit_code);
  AddBackupCommands(app, output, cluster, &exit_code);
  AddScheduleCommands(app, output, cluster, &exit_code);
  AddArchiveCommands(app, output, cluster, &exit_code);
  AddAuditCommand(app, output, cluster, &exit_code);
  AddBashCompletionFlag(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  google::protobuf::ShutdownProtobufLibrary();
  return exit_code;
}
