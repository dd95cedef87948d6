#include "cli/zk_commands.h"

#include <stdlib.h>

#include <filesystem>
#include <iostream>

#include "cli/exit_codes.h"
#include "cli/identity_option.h"
#include "cli/progress_printer.h"
#include "engine/backup_file/extract.h"
#include "engine/datadir/backup.h"
#include "engine/datadir/inspect_archive.h"
#include "engine/datadir/restore.h"
#include "engine/zkfmt/inspect.h"
#include "proto/local.pb.h"

namespace lockstep::cli {
namespace fs = std::filesystem;
namespace {

struct ResolvedDirs {
  zkfmt::DataDirs dirs;
  std::optional<zk::Endpoint> client;
};

Result<ResolvedDirs> ResolveDirs(const ZkPathFlags& flags) {
  if (flags.zoo_cfg.empty() == flags.data_dir.empty()) {
    return InvalidArgument("give either --zoo-cfg FILE or --data-dir DIR (not both)");
  }
  ResolvedDirs resolved;
  if (!flags.zoo_cfg.empty()) {
    Result<zk::ZooCfg> cfg = zk::LoadZooCfg(flags.zoo_cfg);
    if (!cfg.ok()) return InvalidArgument(cfg.status().message());
    resolved.dirs = {cfg->data_dir, cfg->data_log_dir};
    resolved.client = cfg->client;
  } else {
    resolved.dirs = {flags.data_dir,
                     flags.data_log_dir.empty() ? flags.data_dir : flags.data_log_dir};
  }
  if (!flags.zk.empty()) {
    Result<zk::Endpoint> endpoint = zk::ParseEndpoint(flags.zk);
    if (!endpoint.ok()) return endpoint.status().Prepend("--zk");
    resolved.client = *endpoint;
  }
  return resolved;
}

void AddPathFlags(CLI::App* cmd, ZkPathFlags* flags) {
  cmd->add_option("--zoo-cfg", flags->zoo_cfg,
                  "ZooKeeper's zoo.cfg (dataDir, dataLogDir, client port)");
  cmd->add_option("--data-dir", flags->data_dir, "ZooKeeper dataDir (instead of --zoo-cfg)");
  cmd->add_option("--data-log-dir", flags->data_log_dir, "ZooKeeper dataLogDir, when separate");
  cmd->add_option("--zk", flags->zk, "the server's client address HOST:PORT (overrides zoo.cfg)");
}

datadir::FileCallback VerboseLister(bool verbose, const char* verb) {
  if (!verbose) return {};
  return [verb](const std::string& name, uint64_t size) {
    std::cerr << verb << " " << name;
    if (size > 0) std::cerr << " (" << HumanBytes(size) << ")";
    std::cerr << "\n";
  };
}

int Fail(const Status& status, const OutputOptions& output) {
  PrintError(status, output);
  return ExitCodeFor(status);
}

struct BackupFlags {
  ZkPathFlags paths;
  std::string archive;
  std::vector<std::string> recipients;
  bool verbose = false;
  bool online = false;
};

int RunZkBackup(const BackupFlags& flags, const OutputOptions& output) {
  Result<ResolvedDirs> dirs = ResolveDirs(flags.paths);
  if (!dirs.ok()) return Fail(dirs.status(), output);
  ProgressPrinter printer;
  datadir::BackupOptions options;
  options.dirs = dirs->dirs;
  options.client = dirs->client;
  options.archive_path = flags.archive;
  options.online = flags.online;
  Result<std::vector<age::X25519Recipient>> recipients = age::ParseRecipients(flags.recipients);
  if (!recipients.ok()) return Fail(recipients.status().Prepend("--recipient"), output);
  options.recipients = std::move(recipients).value();
  options.progress = [&printer](const datadir::Progress& p) { printer.Update(p); };
  options.on_file = VerboseLister(flags.verbose, "archived");
  Result<datadir::BackupResult> result = datadir::RunBackup(options);
  if (!result.ok()) return Fail(result.status().Prepend("backup failed"), output);
  if (output.json) {
    proto::LocalBackupResult json;
    json.set_archive(result->archive_path);
    json.set_sha256(result->archive_sha256);
    json.set_size_bytes(result->archive_size);
    *json.mutable_manifest() = result->manifest;
    PrintJson(json);
    return kExitOk;
  }
  const proto::Manifest& m = result->manifest;
  std::cout << "backup written: " << result->archive_path << " ("
            << HumanBytes(result->archive_size) << ")\n"
            << "  sha256     " << result->archive_sha256 << "\n"
            << "  mode       " << m.mode() << "\n"
            << "  last zxid  " << m.last_zxid() << " (snapshot " << m.snapshot_zxid() << ")\n"
            << "  znodes     " << m.node_count() << "\n"
            << "  files      " << m.files_size() << "\n";
  return kExitOk;
}

struct RestoreFlags {
  ZkPathFlags paths;
  std::string archive;
  std::string identity;
  bool verbose = false;
};

int RunZkRestore(const RestoreFlags& flags, const OutputOptions& output) {
  Result<ResolvedDirs> dirs = ResolveDirs(flags.paths);
  if (!dirs.ok()) return Fail(dirs.status(), output);
  ProgressPrinter printer;
  datadir::RestoreOptions options;
  options.dirs = dirs->dirs;
  options.client = dirs->client;
  options.archive_path = flags.archive;
  Result<age::Identities> identities = LoadIdentityOption(flags.identity);
  if (!identities.ok()) return Fail(identities.status(), output);
  options.identities = std::move(identities).value();
  options.progress = [&printer](const datadir::Progress& p) { printer.Update(p); };
  options.on_file = VerboseLister(flags.verbose, "restored");
  Result<datadir::RestoreResult> result = datadir::RunRestore(options);
  if (!result.ok()) {
    return Fail(result.status().Prepend("restore failed, the data directory is unchanged"), output);
  }
  proto::LocalRestoreResult json;
  json.set_archive(flags.archive);
  json.set_sha256(result->archive_sha256);
  json.set_layout(result->manifest ? "lockstep" : "dcos-zk");
  json.set_last_zxid(result->last_zxid);
  json.set_node_count(result->node_count);
  json.set_files(result->files);
  json.set_bytes(result->bytes);
  json.set_data_dir(options.dirs.data_dir);
  json.set_data_log_dir(options.dirs.data_log_dir);
  json.set_rollback_data_dir(result->rollback_data_dir);
  json.set_rollback_log_dir(result->rollback_log_dir);
  if (output.json) {
    PrintJson(json);
    return kExitOk;
  }
  std::cout << "restored " << flags.archive << " (" << json.layout() << " archive) into "
            << json.data_dir() << "\n"
            << "  last zxid  " << json.last_zxid() << "\n"
            << "  znodes     " << json.node_count() << "\n"
            << "  files      " << json.files() << " (" << HumanBytes(json.bytes()) << ")\n";
  if (!json.rollback_data_dir().empty()) {
    std::cout << "  previous data kept in " << json.rollback_data_dir() << "\n";
  }
  if (!json.rollback_log_dir().empty()) {
    std::cout << "  previous logs kept in " << json.rollback_log_dir() << "\n";
  }
  std::cout << "start ZooKeeper, check it serves, then remove the rollback copy\n";
  return kExitOk;
}

void PrintInspectText(const proto::InspectReport& r) {
  std::cout << "valid          " << (r.valid() ? "yes" : "NO") << "\n"
            << "snapshot zxid  " << r.snapshot_zxid() << "\n"
            << "last zxid      " << r.last_zxid() << "\n"
            << "znodes         " << r.node_count() << "\n"
            << "files\n";
  for (const auto& f : r.files()) {
    std::cout << "  " << (f.selected() ? "restore " : "skip    ")
              << (!f.checked() ? "-   "
                  : f.valid()  ? "ok  "
                               : "BAD ")
              << f.role() << "  " << f.path() << "  " << HumanBytes(f.size());
    if (!f.first_zxid().empty()) std::cout << "  " << f.first_zxid() << ".." << f.last_zxid();
    std::cout << "\n";
  }
  if (r.problems_size() > 0) std::cout << "problems\n";
  for (const auto& p : r.problems()) {
    std::cout << "  " << (p.fatal() ? "ERROR " : "note  ") << p.file() << " @" << p.offset() << ": "
              << p.message();
    if (!p.expected().empty() || !p.actual().empty()) {
      std::cout << " (expected " << p.expected() << ", found " << p.actual() << ")";
    }
    std::cout << "\n";
  }
}

int RunZkInspect(const std::string& target, const std::string& data_log_dir,
                 const std::string& identity, const OutputOptions& output) {
  std::error_code ec;
  Result<proto::InspectReport> report = Status::Ok();
  if (fs::is_directory(target, ec)) {
    report = zkfmt::InspectDataDirs({target, data_log_dir.empty() ? target : data_log_dir});
  } else if (fs::is_regular_file(target, ec)) {
    Result<age::Identities> identities = LoadIdentityOption(identity);
    if (!identities.ok()) return Fail(identities.status(), output);
    report = datadir::InspectArchive(target, "", *identities);
  } else {
    return Fail(NotFound(target + " is neither an archive nor a directory"), output);
  }
  if (!report.ok()) return Fail(report.status(), output);
  if (output.json) {
    PrintJson(*report);
  } else {
    PrintInspectText(*report);
  }
  return report->valid() ? kExitOk : kExitFailed;
}

}  // namespace

void AddZkCommands(CLI::App& app, const OutputOptions& output, int* exit_code) {
  CLI::App* zk = app.add_subcommand("zk", "back up, restore and inspect ZooKeeper on this master");
  zk->require_subcommand(1);

  static BackupFlags backup;
  CLI::App* b = zk->add_subcommand(
      "backup", "archive this master's ZooKeeper data (offline by default, or --online)");
  b->add_option("ARCHIVE", backup.archive, "archive to create (must not exist)")->required();
  b->add_flag("-v,--verbose", backup.verbose, "list each archived file");
  b->add_flag("--online", backup.online,
              "keep the server running: archive exactly the committed state at its current zxid");
  b->add_option("--recipient", backup.recipients,
                "encrypt the archive to this age1… public key (age v1; repeat for several)");
  AddPathFlags(b, &backup.paths);
  b->callback([&output, exit_code] { *exit_code = RunZkBackup(backup, output); });

  static RestoreFlags restore;
  CLI::App* r = zk->add_subcommand(
      "restore", "replace this master's ZooKeeper data with an archive (server must be stopped)");
  r->add_option("ARCHIVE", restore.archive, "Lockstep or dcos-zk archive")->required();
  r->add_flag("-v,--verbose", restore.verbose, "list each restored file");
  AddIdentityOption(r, &restore.identity);
  AddPathFlags(r, &restore.paths);
  r->callback([&output, exit_code] { *exit_code = RunZkRestore(restore, output); });

  static std::string inspect_target;
  static std::string inspect_log_dir;
  static std::string inspect_identity;
  CLI::App* i = zk->add_subcommand(
      "inspect", "check an archive or data directory: zxids, znodes, files, problems");
  i->add_option("TARGET", inspect_target, "archive file or ZooKeeper dataDir")->required();
  i->add_option("--data-log-dir", inspect_log_dir, "dataLogDir, when separate from TARGET");
  AddIdentityOption(i, &inspect_identity);
  i->callback([&output, exit_code] {
    *exit_code = RunZkInspect(inspect_target, inspect_log_dir, inspect_identity, output);
  });
}

}  // namespace lockstep::cli
