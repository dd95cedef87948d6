#include "cli/audit_command.h"

#include <chrono>
#include <iostream>

#include "api/audit_time.h"
#include "api/paths.h"
#include "cli/exit_codes.h"
#include "proto/json.h"

namespace lockstep::cli {
namespace {

// "deployer", "deployer (/CN=ci)", or "-" for a caller with no known token.
std::string Who(const proto::AuditEntry& entry) {
  std::string who = entry.token().empty() ? "-" : entry.token();
  if (!entry.client_cert().empty()) who += " (" + entry.client_cert() + ")";
  return who;
}

std::string Outcome(const proto::AuditEntry& entry) {
  return std::to_string(entry.status()) + (entry.code().empty() ? "" : " " + entry.code());
}

void PrintAudit(const proto::AuditLog& log, const OutputOptions& output) {
  if (output.json) {  // an array of entries, as `backup list --json` is of backups
    std::cout << "[";
    for (int i = 0; i < log.entries_size(); ++i) {
      std::cout << (i ? ",\n" : "\n") << proto::ToJson(log.entries(i));
    }
    std::cout << (log.entries_size() ? "\n]\n" : "]\n");
  } else {
    std::cout << RenderAudit(log);
  }
  // What is missing goes to stderr, so --json stays one array.
  for (const std::string& missing : log.missing()) {
    std::cerr << "warning: not in this list: " << missing << "\n";
  }
  if (log.truncated()) {
    std::cerr << "warning: only the newest " << log.entries_size()
              << " entries are listed; ask for fewer with a later --since\n";
  }
}

}  // namespace

std::string RenderAudit(const proto::AuditLog& log) {
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "MASTER", "TOKEN", "FROM", "OPERATION", "TARGET", "RESULT"}};
  for (const auto& e : log.entries()) {
    rows.push_back({e.time(), e.master(), Who(e), e.remote(), e.operation(),
                    e.target().empty() ? "-" : e.target(), Outcome(e)});
  }
  return RenderTable(rows) + (log.entries_size() ? "" : "(no entries)\n");
}

void AddAuditCommand(CLI::App& app, const OutputOptions& output, const ClusterFlags& cluster,
                     int* exit_code) {
  auto since = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "audit",
      "Who changed what: every change an identified caller asked for (allowed or refused) and "
      "every archive download, from every master's audit log, oldest first, with the master that "
      "ran it and the one that received it. Needs an admin token.");
  cmd->add_option("--since", *since,
                  "from this time on: RFC 3339 (2026-12-01T09:00:00Z), a UTC date (2026-12-01) "
                  "or an age (90m, 24h, 7d)");
  cmd->callback([=, &output, &cluster] {
    std::string path = api::paths::kAudit;
    if (!since->empty()) {
      Result<std::string> bound = api::SinceBound(*since, std::chrono::system_clock::now());
      if (ReportFailure(bound.status(), output, exit_code)) return;
      path += "?since=" + *bound;
    }
    proto::AuditLog log;
    if (ReportFailure(CallApiFor(cluster, {.path = path}, &log), output, exit_code)) return;
    PrintAudit(log, output);
    *exit_code = kExitOk;
  });
}

}  // namespace lockstep::cli
