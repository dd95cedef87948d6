#include "engine/zkfmt/inspect.h"

namespace lockstep::zkfmt {
namespace {

void AddFile(const ScannedFile& scanned, proto::InspectReport* report) {
  proto::InspectedFile* file = report->add_files();
  file->set_path(scanned.file.path);
  file->set_role(scanned.file.role == FileRole::kSnapshot ? "snapshot" : "txnlog");
  file->set_size(scanned.size);
  if (scanned.first_zxid) file->set_first_zxid(FormatZxid(*scanned.first_zxid));
  if (scanned.last_zxid) file->set_last_zxid(FormatZxid(*scanned.last_zxid));
  file->set_records(scanned.records);
  file->set_selected(scanned.selected);
  file->set_valid(scanned.valid);
  file->set_checked(scanned.checked);
}

}  // namespace

proto::InspectReport ToInspectReport(const RestorableSet& set) {
  proto::InspectReport report;
  report.set_last_zxid(FormatZxid(set.last_zxid));
  report.set_snapshot_zxid(FormatZxid(set.snapshot_zxid));
  report.set_node_count(set.node_count);
  report.set_valid(set.valid());
  if (set.snapshot) AddFile(*set.snapshot, &report);
  for (const auto& log : set.logs) AddFile(log, &report);
  for (const auto& other : set.skipped) AddFile(other, &report);
  for (const auto& p : set.problems) {
    proto::Problem* problem = report.add_problems();
    problem->set_file(p.file);
    problem->set_offset(p.offset);
    problem->set_message(p.message);
    problem->set_expected(p.expected);
    problem->set_actual(p.actual);
    problem->set_fatal(p.fatal);
  }
  return report;
}

Result<proto::InspectReport> InspectDataDirs(const DataDirs& dirs) {
  ASSIGN_OR_RETURN(RestorableSet set, SelectRestorableSet(dirs));
  return ToInspectReport(set);
}

}  // namespace lockstep::zkfmt
