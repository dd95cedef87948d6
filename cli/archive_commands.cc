#include "cli/archive_commands.h"

#include <cstdio>
#include <iostream>

#include "api/paths.h"
#include "cli/exit_codes.h"
#include "cli/progress_printer.h"

namespace lockstep::cli {
namespace {

std::string Point(const std::string& zxid, const std::string& time) {
  if (zxid.empty()) return "-";
  return time.empty() ? zxid : zxid + " (" + time + ")";
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", seconds);
  return text;
}

std::string ArchiverLine(const proto::ArchiveStatus& status) {
  std::string line = status.state();
  if (status.has_archiver()) line += " on " + status.archiver().master();
  if (!status.coordinator().empty()) line += " (coordinator " + status.coordinator() + ")";
  return line;
}

}  // namespace

std::string RenderArchiveStatus(const proto::ArchiveStatus& status) {
  std::string out = "archive:   " + ArchiverLine(status) + "\n";
  if (status.has_archiver()) {
    const proto::ArchiveReport& archiver = status.archiver();
    out += "lag:       " + Seconds(status.lag_seconds()) + " (its server at " +
           (archiver.server_zxid().empty() ? "?" : archiver.server_zxid()) + ")\n";
    if (archiver.unshipped_size() > 0) {
      std::string masters;
      for (const auto& master : archiver.unshipped())
        masters += (masters.empty() ? "" : ", ") + master;
      out += "behind:    " + masters + " (not answering; sent what they lack when they do)\n";
    }
  }
  if (!status.repository().empty()) out += "bucket:    " + status.repository() + "\n";
  if (!status.adopting().empty()) out += "adopting:  " + status.adopting() + "\n";
  out += "last:      " + Point(status.last_zxid(), status.last_time()) + "\n";
  out += "window:    " + Point(status.earliest_zxid(), status.earliest_time()) + " .. " +
         Point(status.latest_zxid(), status.latest_time()) + "\n";
  out +=
      "segments:  " + std::to_string(status.segments()) + " (" + HumanBytes(status.bytes()) + ")\n";
  if (status.chains_size() == 0) {
    out +=
        "\nno base backup yet: point-in-time restores start from one; take it with "
        "`lockstep backup create`\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"BASE", "BASE ZXID", "BASE TIME", "END ZXID", "END TIME", "SEGMENTS"}};
    for (const auto& chain : status.chains()) {
      rows.push_back({chain.base(), chain.base_zxid(), chain.base_time(), chain.end_zxid(),
                      chain.end_time(), std::to_string(chain.segments())});
    }
    out += "\n" + RenderTable(rows);
  }
  if (status.breaks_size() == 0) {
    out += "\nbreaks:    none\n";
  } else {
    out +=
        "\nbreaks (the archive lost the transactions between; a base backup restarts the "
        "chain):\n";
    for (const auto& hole : status.breaks()) {
      out += "  after " + hole.after_zxid() + ", resumes at " + hole.resumes_at() +
             (hole.at().empty() ? "" : " (" + hole.at() + ")") + "\n";
    }
  }
  return out;
}

void AddArchiveCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                        int* exit_code) {
  auto* archive = app.add_subcommand(
      "archive",
      "Continuous archiving: every committed transaction shipped to every master within a "
      "second, for point-in-time restores");
  archive->require_subcommand(1);
  auto* status = archive->add_subcommand(
      "status",
      "The archiver, its lag, the restorable window (from the oldest base backup to the newest "
      "archived transaction), the chains and their breaks");
  status->callback([=, &output, &cluster] {
    proto::ArchiveStatus answer;
    if (ReportFailure(CallApiFor(cluster, {.path = api::paths::kArchiveStatus}, &answer), output,
                      exit_code)) {
      return;
    }
    if (output.json) {
      PrintJson(answer);
    } else {
      std::cout << RenderArchiveStatus(answer);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace lockstep::cli
