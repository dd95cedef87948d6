#include "cli/diff_command.h"

#include <iostream>

#include "api/names.h"
#include "api/paths.h"
#include "api/znode_path.h"
#include "cli/exit_codes.h"
#include "common/http/url.h"

namespace lockstep::cli {
namespace {

constexpr int kPathsShown = 10;  // per kind; --json has the first 1,000

struct DiffFlags {
  std::string id;
  std::string path = "/";
};

std::string Nodes(uint32_t count) {
  return std::to_string(count) + (count == 1 ? " node" : " nodes");
}

void PrintPaths(const char* title, const google::protobuf::RepeatedPtrField<std::string>& paths,
                uint32_t count) {
  if (count == 0) return;
  std::cout << title << ":\n";
  int shown = 0;
  for (const auto& path : paths) {
    if (shown++ == kPathsShown) break;
    std::cout << "  " << path << "\n";
  }
  if (count > static_cast<uint32_t>(std::min<int>(shown, kPathsShown))) {
    std::cout << "  … and " << count - std::min<uint32_t>(count, kPathsShown)
              << " more (--json lists the first 1,000 of each kind)\n";
  }
}

void Run(const DiffFlags& flags, const OutputOptions& output, const ClusterFlags& cluster,
         int* exit_code) {
  if (ReportFailure(api::CheckBackupId(flags.id), output, exit_code)) return;
  if (ReportFailure(api::CheckZnodePath(flags.path, "--path"), output, exit_code)) return;
  ApiRequest call{.path = api::paths::Fill(api::paths::kBackupDiff, {flags.id}) +
                          "?path=" + http::QueryEscape(flags.path),
                  .timeout = std::chrono::minutes(30)};
  if (!output.json) std::cerr << "comparing " << flags.id << " with the live tree…\n";
  proto::BackupDiff diff;
  if (ReportFailure(CallApiFor(cluster, call, &diff), output, exit_code)) return;
  output.json ? PrintJson(diff) : PrintDiff(diff);
  *exit_code = kExitOk;
}

}  // namespace

void PrintDiff(const proto::BackupDiff& diff) {
  const bool moved = !diff.to().empty() && diff.to() != diff.path();
  std::cout << "restoring " << diff.backup_id() << " " << diff.path()
            << (moved ? " into " + diff.to() : std::string()) << " would:\n"
            << "  create       " << Nodes(diff.created()) << " (in the backup, not live)\n"
            << "  delete       " << Nodes(diff.deleted()) << " (live, not in the backup)\n"
            << "  change data  of " << Nodes(diff.data_changed()) << "\n"
            << "  change ACL   of " << Nodes(diff.acl_changed()) << "\n"
            << "  leave        " << Nodes(diff.unchanged()) << " as they are\n"
            << "(the backup read from " << diff.source() << "; compared on " << diff.master()
            << " in " << static_cast<int>(diff.seconds() * 1000) / 1000.0
            << " s; ephemeral nodes and /zookeeper are not compared)\n";
  PrintPaths("created", diff.paths().created(), diff.created());
  PrintPaths("deleted", diff.paths().deleted(), diff.deleted());
  PrintPaths("data changed", diff.paths().data_changed(), diff.data_changed());
  PrintPaths("ACL changed", diff.paths().acl_changed(), diff.acl_changed());
  if (diff.unreadable() > 0) {
    std::cout << "NOT COMPARED: " << Nodes(diff.unreadable())
              << " the agents' ZooKeeper session may not read, and " << Nodes(diff.not_compared())
              << " of the backup at or below them (give the agents credentials that can: "
                 "[zookeeper] auth_file)\n";
    PrintPaths("unreadable", diff.paths().unreadable(), diff.unreadable());
  }
}

void AddDiff(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
             int* exit_code) {
  auto flags = std::make_shared<DiffFlags>();
  auto* cmd = backup->add_subcommand(
      "diff",
      "What restoring a backup would change in the live tree, without changing anything: the "
      "nodes it would create, delete, and give other data or another ACL, with their paths. "
      "The backup's side is read from its archive (no server is started), the live side walked "
      "through ZooKeeper.");
  cmd->add_option("ID", flags->id, "the backup's id (`lockstep backup list`)")->required();
  cmd->add_option("--path", flags->path, "compare only this subtree (default /: the whole tree)");
  cmd->callback([=, &output, &cluster] { Run(*flags, output, cluster, exit_code); });
}

}  // namespace lockstep::cli
