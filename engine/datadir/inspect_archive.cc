#include "engine/datadir/inspect_archive.h"

#include <stdlib.h>

#include <filesystem>

#include "common/scratch_dir.h"
#include "engine/backup_file/extract.h"
#include "engine/zkfmt/data_dir.h"
#include "engine/zkfmt/inspect.h"

namespace lockstep::datadir {
namespace fs = std::filesystem;

// Extracts an archive into a scratch directory and inspects what it holds.
Result<proto::InspectReport> InspectArchive(const std::string& path,
                                            const std::string& scratch_parent,
                                            const age::Identities& identities) {
  const char* tmp = std::getenv("TMPDIR");
  ASSIGN_OR_RETURN(
      ScratchDir scratch,
      ScratchDir::Create(scratch_parent.empty() ? std::string(tmp ? tmp : "/tmp") : scratch_parent,
                         ".lockstep-inspect-"));
  zkfmt::DataDirs staged{scratch.path() + "/data", scratch.path() + "/datalog"};
  Result<backup_file::ExtractedArchive> extracted =
      backup_file::ExtractArchive(path, identities, {staged.SnapshotDir(), staged.LogDir()});
  if (!extracted.ok()) {
    if (extracted.status().code() != StatusCode::kCorruption) return extracted.status();
    proto::InspectReport report;
    proto::Problem* problem = report.add_problems();
    problem->set_file(path);
    problem->set_message(extracted.status().message());
    problem->set_fatal(true);
    return report;
  }
  if (extracted->manifest && extracted->manifest->components_only()) {
    proto::InspectReport report;  // every component entry's size and sha256 checked above
    report.set_valid(true);
    return report;
  }
  ASSIGN_OR_RETURN(proto::InspectReport report, zkfmt::InspectDataDirs(staged));
  for (auto& file : *report.mutable_files()) {
    std::string rel = file.path().substr(scratch.path().size() + 1);
    file.set_path(rel.starts_with("data/") ? "zookeeper/" + rel : "zookeeper/" + rel);
  }
  const auto& m = extracted->manifest;
  if (m && (m->last_zxid() != report.last_zxid() || m->node_count() != report.node_count())) {
    proto::Problem* problem = report.add_problems();
    problem->set_file(backup_file::kManifestName);
    problem->set_message("the files replay to a different state than the manifest records");
    problem->set_expected(m->last_zxid() + " / " + std::to_string(m->node_count()) + " nodes");
    problem->set_actual(report.last_zxid() + " / " + std::to_string(report.node_count()) +
                        " nodes");
    problem->set_fatal(true);
    report.set_valid(false);
  }
  return report;
}

}  // namespace lockstep::datadir
