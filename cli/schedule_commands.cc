#include "cli/schedule_commands.h"

#include <iostream>

#include "api/names.h"
#include "api/paths.h"
#include "cli/exit_codes.h"
#include "proto/backup.pb.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

// A schedule from an agent that predates `--verify` has none.
std::string VerifyOf(const proto::Schedule& schedule) {
  return schedule.verify().empty() ? api::kVerifyNone : schedule.verify();
}

void AddCreate(CLI::App* schedule, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code) {
  auto keep = std::make_shared<uint32_t>(0);
  auto name = std::make_shared<std::string>();
  auto cron = std::make_shared<std::string>();
  auto mode = std::make_shared<std::string>("online");
  auto verify = std::make_shared<std::string>(api::kVerifyNone);
  auto* cmd = schedule->add_subcommand(
      "create",
      "Back up on a schedule (UTC). Labels are NAME-yyyymmdd-hhmm; a run missed while there was "
      "no coordinator is made up once.");
  cmd->add_option("NAME", *name, "2-11 characters: letters, digits, _ . -")->required();
  cmd->add_option("--cron", *cron,
                  "5 fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\"")
      ->required();
  cmd->add_option("--mode", *mode, "online (default) or offline")
      ->check(CLI::IsMember({"online", "offline"}));
  cmd->add_option("--keep", *keep, "READY backups of this schedule to keep (0: all)");
  cmd->add_option("--verify", *verify,
                  "check each of its backups once READY, in the background on the coordinator, "
                  "and keep the result in its record: none (default); quick (re-hash and parse "
                  "every replica); deep (also restore it into a scratch ZooKeeper and compare: "
                  "a restore drill, as `backup verify --deep`)")
      ->check(CLI::IsMember({api::kVerifyNone, api::kVerifyQuick, api::kVerifyDeep}));
  cmd->callback([=, &output, &cluster] {
    proto::Schedule request;
    request.set_name(*name);
    request.set_cron(*cron);
    request.set_mode(*mode);
    request.set_keep(*keep);
    request.set_verify(*verify);
    if (ReportFailure(api::CheckSchedule(request), output, exit_code)) return;
    proto::Schedule created;
    Status made = CallApiFor(
        cluster,
        {.method = "POST", .path = api::paths::kSchedules, .body = proto::ToCompactJson(request)},
        &created);
    if (ReportFailure(made, output, exit_code)) return;
    if (output.json) {
      PrintJson(created);
    } else {
      std::cout << "schedule " << created.name() << " created: \"" << created.cron() << "\" ("
                << created.mode() << ", keep "
                << (created.keep() ? std::to_string(created.keep()) : "all") << ", verify "
                << VerifyOf(created) << ")\n";
    }
    *exit_code = kExitOk;
  });
}

void AddList(CLI::App* schedule, const OutputOptions& output, const ClusterFlags& cluster,
             int* exit_code) {
  auto* cmd = schedule->add_subcommand("list", "Schedules and their last run.");
  cmd->callback([=, &output, &cluster] {
    proto::ScheduleList list;
    if (ReportFailure(CallApiFor(cluster, {.path = api::paths::kSchedules}, &list), output,
                      exit_code))
      return;
    if (output.json) {
      PrintJson(list);
    } else {
      std::vector<std::vector<std::string>> rows = {
          {"NAME", "CRON", "MODE", "KEEP", "VERIFY", "LAST RUN"}};
      for (const auto& s : list.schedules()) {
        rows.push_back({s.name(), s.cron(), s.mode(), s.keep() ? std::to_string(s.keep()) : "all",
                        VerifyOf(s), s.last_run()});
      }
      std::cout << RenderTable(rows);
      if (list.schedules_size() == 0) std::cout << "(no schedules)\n";
    }
    *exit_code = kExitOk;
  });
}

void AddDelete(CLI::App* schedule, const OutputOptions& output, const ClusterFlags& cluster,
               int* exit_code) {
  auto name = std::make_shared<std::string>();
  auto* cmd = schedule->add_subcommand("delete", "Stop a schedule (its backups are kept).");
  cmd->add_option("NAME", *name, "the schedule")->required();
  cmd->callback([=, &output, &cluster] {
    proto::Schedule deleted;
    Status done = CallApiFor(
        cluster, {.method = "DELETE", .path = api::paths::Fill(api::paths::kSchedule, {*name})},
        &deleted);
    if (ReportFailure(done, output, exit_code)) return;
    if (output.json) {
      PrintJson(deleted);
    } else {
      std::cout << "schedule " << *name << " deleted\n";
    }
    *exit_code = kExitOk;
  });
}

}  // namespace

void AddScheduleCommands(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                         int* exit_code) {
  auto* schedule = app.add_subcommand(
      "schedule", "Scheduled backups with retention, and restore drills (--verify=deep).");
  schedule->require_subcommand(1);
  AddCreate(schedule, output, cluster, exit_code);
  AddList(schedule, output, cluster, exit_code);
  AddDelete(schedule, output, cluster, exit_code);
}

}  // namespace lockstep::cli
