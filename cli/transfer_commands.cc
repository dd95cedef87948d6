#include "cli/transfer_commands.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "api/names.h"
#include "api/paths.h"
#include "api/token.h"
#include "cli/backup_view.h"
#include "cli/coordinator_wait.h"
#include "cli/diff_command.h"
#include "cli/exit_codes.h"
#include "cli/identity_option.h"
#include "cli/progress_printer.h"
#include "cli/restore_command.h"
#include "common/clock.h"
#include "common/crypto/age_file.h"
#include "common/http/client.h"
#include "common/http/tls.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "engine/datadir/deep_verify.h"
#include "engine/datadir/inspect_archive.h"
#include "proto/agent.pb.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

// Streams the archive from the first master holding a replica, checking its sha256.
Status Download(const ClusterFlags& cluster, const std::string& id, const std::string& out) {
  if (std::filesystem::exists(out)) {
    return InvalidArgument(out + " exists; choose another -o or remove it first");
  }
  proto::Backup record;
  RETURN_IF_ERROR(
      CallApiFor(cluster, {.path = api::paths::Fill(api::paths::kBackup, {id})}, &record));
  if (record.status() != proto::STATUS_READY) {
    return FailedPrecondition(id + " is " + StatusName(record.status()) + ", not READY");
  }
  proto::ClusterStatus status;
  RETURN_IF_ERROR(CallApiFor(cluster, {.path = api::paths::kClusterStatus}, &status));
  ASSIGN_OR_RETURN(std::string token, api::LoadToken(cluster.token_file));
  const std::string partial = out + ".part";
  // The masters holding a replica first; with none left and a copy in the repository, any master
  // whose agent answers (it fetches the repository's copy, sha256 checked, then sends it).
  std::vector<std::string> sources;
  for (const auto& replica : record.replicas()) sources.push_back(replica.master());
  if (record.remote().status() == proto::STATUS_READY) {
    for (const auto& master : status.masters()) {
      if (master.agent_reachable()) sources.push_back(master.name());
    }
  }
  std::string errors;
  for (const std::string& source : sources) {
    for (const auto& master : status.masters()) {
      if (master.name() != source) continue;
      ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(master.address()));
      ASSIGN_OR_RETURN(std::shared_ptr<boost::asio::ssl::context> tls, TlsFor(cluster, url));
      http::Client client(tls);
      ProgressPrinter progress;
      Result<http::Reply> reply =
          client.Call(url, {.target = api::paths::Fill(api::paths::kBackupArchive, {id}),
                            .token = token,
                            // a master without a replica first fetches the repository's copy
                            .timeout = std::chrono::minutes(10),
                            .download_file = partial,
                            .progress = [&](uint64_t done, uint64_t total) {
                              progress.Update({.phase = "downloading from " + master.name(),
                                               .bytes_done = done,
                                               .bytes_total = total});
                            }});
      if (!reply.ok() || reply->status != 200) {
        errors +=
            " " + master.name() + ": " +
            (reply.ok() ? "HTTP " + std::to_string(reply->status) : reply.status().message()) + ";";
        std::filesystem::remove(partial);
        continue;
      }
      ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(partial));
      if (sha != record.sha256()) {
        errors += " " + master.name() + ": sha256 " + sha + " differs from the record's;";
        std::filesystem::remove(partial);
        continue;
      }
      std::filesystem::rename(partial, out);
      return Status::Ok();
    }
  }
  return Status(StatusCode::kUnavailable, "no replica of " + id + " could be downloaded:" + errors);
}

// Replaces the encrypted archive at `path` with its plaintext (a failed decryption keeps the
// download as it came and says so).
Status DecryptDownload(const std::string& path, const std::string& identity_file) {
  ASSIGN_OR_RETURN(age::Identities identities, LoadIdentityOption(identity_file));
  const std::string plain = path + ".decrypted";
  Status decrypted = age::DecryptFile(path, plain, identities);
  if (!decrypted.ok()) {
    return decrypted.Prepend("the encrypted archive was kept as " + path +
                             "; decrypting it failed");
  }
  std::filesystem::rename(plain, path);
  return Status::Ok();
}

Result<proto::Backup> Upload(const ClusterFlags& cluster, const std::string& file,
                             const std::string& label) {
  if (!std::filesystem::is_regular_file(file)) return NotFound(file + " is not a file");
  ProgressPrinter progress;
  proto::Backup record;
  RETURN_IF_ERROR(CallApiFor(
      cluster,
      {.method = "POST",
       .path = std::string(api::paths::kBackupImport) + "?label=" + label,
       .timeout = std::chrono::minutes(10),
       .upload_file = file,
       .progress =
           [&](uint64_t done, uint64_t total) {
             progress.Update({.phase = "uploading", .bytes_done = done, .bytes_total = total});
           }},
      &record));
  return record;
}

}  // namespace

void AddDownload(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
                 int* exit_code) {
  struct Flags {
    std::string id;
    std::string out;
    std::string identity;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = backup->add_subcommand(
      "download", "Copy a backup's archive out of the cluster (sha256 checked).");
  cmd->add_option("ID", flags->id, "the backup's id")->required();
  cmd->add_option("-o,--output", flags->out, "where to write the archive")->required();
  cmd->add_option("--identity", flags->identity,
                  "age identity file: write an encrypted backup's archive decrypted");
  cmd->callback([=, &output, &cluster] {
    if (ReportFailure(api::CheckBackupId(flags->id), output, exit_code)) return;
    if (ReportFailure(Download(cluster, flags->id, flags->out), output, exit_code)) return;
    Result<bool> encrypted = age::IsAgeFile(flags->out);
    if (ReportFailure(encrypted.status(), output, exit_code)) return;
    const bool decrypt = *encrypted && !flags->identity.empty();
    if (decrypt && ReportFailure(DecryptDownload(flags->out, flags->identity), output, exit_code)) {
      return;
    }
    const char* form = decrypt ? "decrypted" : *encrypted ? "encrypted (age)" : "plain";
    if (output.json) {
      std::cout << "{\"id\": \"" << flags->id << "\", \"file\": \"" << flags->out
                << "\", \"form\": \"" << form << "\"}\n";
    } else {
      std::cout << "downloaded " << flags->id << " to " << flags->out << " (sha256 checked, "
                << form << ")\n";
      if (*encrypted && !decrypt) {
        std::cout << "open it with: age -d -i IDENTITY " << flags->out
                  << " > archive.tar.zst, or download again with --identity\n";
      }
    }
    *exit_code = kExitOk;
  });
}

void AddImport(CLI::App* backup, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code) {
  struct Flags {
    std::string file;
    std::string label = "imported";
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = backup->add_subcommand(
      "import",
      "Make an archive (Lockstep's or dcos-zk's) a READY backup, replicated; it is "
      "verified completely first.");
  cmd->add_option("FILE", flags->file, "the archive")->required();
  cmd->add_option("--label", flags->label, "label of the new backup (default: imported)");
  cmd->callback([=, &output, &cluster] {
    if (ReportFailure(api::CheckLabel(flags->label), output, exit_code)) return;
    Result<proto::Backup> record = Upload(cluster, flags->file, flags->label);
    if (ReportFailure(record.status(), output, exit_code)) return;
    if (output.json) {
      PrintJson(*record);
    } else {
      PrintSummary(*record);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace lockstep::cli
