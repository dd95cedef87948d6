#include "agent/http/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "api/exhibitor_code.h"
#include "common/zxid.h"

namespace lockstep::agent {
namespace {

class Exposition {
 public:
  // 15 significant digits: a Unix time keeps its seconds (the stream's default 6 would print
  // 1.79558e+09, off by up to 50 minutes), and 0.1 still prints as 0.1.
  Exposition() { out_.precision(15); }
  void Family(const std::string& name, const std::string& type, const std::string& help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  }
  void Sample(const std::string& name, const std::string& labels, double value) {
    out_ << name;
    if (!labels.empty()) out_ << "{" << labels << "}";
    out_ << " " << value << "\n";
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string Label(const std::string& key, const std::string& value) {
  return key + "=\"" + value + "\"";  // names are checked at config load: no quotes inside
}

double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double UnixSeconds(const std::string& utc) {
  std::tm t{};
  if (!strptime(utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &t)) return 0;
  return static_cast<double>(timegm(&t));
}

// From the catalog this master holds (every record is replicated to every master).
void RenderBackupMetrics(Exposition& out, const std::vector<proto::Backup>& catalog) {
  const proto::Backup* newest = nullptr;
  std::map<std::string, int> by_status;
  for (const auto& backup : catalog) {
    if (backup.deleted()) continue;
    ++by_status[proto::BackupStatus_Name(backup.status())];
    if (backup.status() == proto::STATUS_READY &&
        (!newest || backup.finished_at() > newest->finished_at())) {
      newest = &backup;
    }
  }
  out.Family("lockstep_backups", "gauge", "backups in the catalog by status");
  for (const auto& [status, count] : by_status)
    out.Sample("lockstep_backups", Label("status", status), count);
  out.Family("lockstep_backup_failures", "gauge", "backups in the catalog that ended STATUS_ERROR");
  out.Sample("lockstep_backup_failures", "", by_status["STATUS_ERROR"]);
  if (!newest) return;
  out.Family("lockstep_backup_last_success_timestamp_seconds", "gauge",
             "when the newest READY backup finished");
  out.Sample("lockstep_backup_last_success_timestamp_seconds", "",
             UnixSeconds(newest->finished_at()));
  out.Family("lockstep_backup_last_duration_seconds", "gauge",
             "how long the newest READY backup took");
  out.Sample("lockstep_backup_last_duration_seconds", "", newest->duration_seconds());
  out.Family("lockstep_backup_last_size_bytes", "gauge", "the newest READY backup's archive size");
  out.Sample("lockstep_backup_last_size_bytes", "", static_cast<double>(newest->size_bytes()));
}

// Restore drills and `backup verify`, from the same catalog (Backup.verification): always
// present, so an alert on "never verified" needs no absent() rule.
void RenderVerificationMetrics(Exposition& out, const std::vector<proto::Backup>& catalog) {
  double last_deep_pass = 0, failing = 0;
  const proto::Backup* newest = nullptr;
  for (const auto& backup : catalog) {
    if (backup.deleted()) continue;
    const proto::Verification& verification = backup.verification();
    last_deep_pass = std::max(last_deep_pass, UnixSeconds(verification.deep_passed_at()));
    if (!verification.kind().empty() && !verification.passed()) ++failing;
    if (backup.status() == proto::STATUS_READY &&
        (!newest || backup.finished_at() > newest->finished_at())) {
      newest = &backup;
    }
  }
  // Proven restorable, and nothing found wrong since (a later quick check re-hashes replicas).
  const bool newest_verified =
      newest && newest->verification().passed() && !newest->verification().deep_passed_at().empty();
  out.Family("lockstep_backup_last_verified_timestamp_seconds", "gauge",
             "when the newest passed deep verification (restore drill) ran (0: none yet)");
  out.Sample("lockstep_backup_last_verified_timestamp_seconds", "", last_deep_pass);
  out.Family("lockstep_backup_newest_verified", "gauge",
             "1 when the newest READY backup passed a deep verification and its last check");
  out.Sample("lockstep_backup_newest_verified", "", newest_verified ? 1 : 0);
  out.Family("lockstep_backup_verification_failures", "gauge",
             "backups whose last verification failed (`backup list` says FAILED, `show` why)");
  out.Sample("lockstep_backup_verification_failures", "", failing);
}

// The repository's side, from the same catalog: present once any record has a remote copy.
void RenderRepositoryMetrics(Exposition& out, const std::vector<proto::Backup>& catalog) {
  bool any = false;
  double last_upload = 0, pending_bytes = 0, pending = 0, failing = 0;
  for (const auto& backup : catalog) {
    if (backup.deleted() || !backup.has_remote()) continue;
    any = true;
    const proto::RemoteCopy& remote = backup.remote();
    if (remote.status() == proto::STATUS_READY) {
      last_upload = std::max(last_upload, UnixSeconds(remote.uploaded_at()));
      continue;
    }
    ++pending;
    pending_bytes += static_cast<double>(backup.size_bytes());
    if (remote.status() == proto::STATUS_ERROR) ++failing;
  }
  if (!any) return;
  out.Family("lockstep_repository_last_upload_timestamp_seconds", "gauge",
             "when the newest copy reached the repository (0: none yet)");
  out.Sample("lockstep_repository_last_upload_timestamp_seconds", "", last_upload);
  out.Family("lockstep_repository_pending_backups", "gauge",
             "READY backups not yet in the repository");
  out.Sample("lockstep_repository_pending_backups", "", pending);
  out.Family("lockstep_repository_pending_bytes", "gauge",
             "bytes of READY backups not yet in the repository");
  out.Sample("lockstep_repository_pending_bytes", "", pending_bytes);
  out.Family("lockstep_repository_upload_failures", "gauge",
             "backups whose last upload failed (retried by itself; `backup show` says why)");
  out.Sample("lockstep_repository_upload_failures", "", failing);
}

}  // namespace

std::string RenderMetrics(const proto::ClusterStatus& cluster, const std::string& self,
                          const control::ZkController& controller,
                          const http::ServerCounters* server,
                          const std::vector<proto::Backup>& catalog) {
  Exposition out;
  out.Family(
      "lockstep_zk_status_code", "gauge",
      "Exhibitor code of each master's ZooKeeper: 0 latent, 1 down, 2 not serving, 3 serving");
  for (const auto& m : cluster.masters())
    out.Sample("lockstep_zk_status_code", Label("master", m.name()), m.zk().code());
  out.Family("lockstep_zk_is_leader", "gauge", "1 when the master's server leads");
  for (const auto& m : cluster.masters())
    out.Sample("lockstep_zk_is_leader", Label("master", m.name()), m.zk().is_leader());
  out.Family("lockstep_zk_last_zxid", "gauge", "last processed zxid of each serving server");
  for (const auto& m : cluster.masters()) {
    if (auto zxid = ParseHexZxid(m.zk().zxid())) {
      out.Sample("lockstep_zk_last_zxid", Label("master", m.name()), static_cast<double>(*zxid));
    }
  }
  out.Family("lockstep_zk_node_count", "gauge", "znodes on each serving server");
  for (const auto& m : cluster.masters())
    out.Sample("lockstep_zk_node_count", Label("master", m.name()),
               static_cast<double>(m.zk().node_count()));
  out.Family("lockstep_zk_avg_latency_ms", "gauge", "mntr zk_avg_latency of each serving server");
  for (const auto& m : cluster.masters()) {
    if (m.zk().code() == api::kServing)
      out.Sample("lockstep_zk_avg_latency_ms", Label("master", m.name()), m.zk().avg_latency_ms());
  }
  out.Family("lockstep_zk_outstanding_requests", "gauge", "mntr zk_outstanding_requests");
  for (const auto& m : cluster.masters()) {
    if (m.zk().code() == api::kServing)
      out.Sample("lockstep_zk_outstanding_requests", Label("master", m.name()),
                 m.zk().outstanding_requests());
  }
  out.Family("lockstep_zk_synced_followers", "gauge", "mntr zk_synced_followers, on the leader");
  for (const auto& m : cluster.masters()) {
    if (m.zk().mode() == "leader")
      out.Sample("lockstep_zk_synced_followers", Label("master", m.name()),
                 m.zk().synced_followers());
  }
  out.Family("lockstep_agent_reachable", "gauge", "1 when this agent reached the master's agent");
  for (const auto& m : cluster.masters())
    out.Sample("lockstep_agent_reachable", Label("master", m.name()), m.agent_reachable());
  out.Family("lockstep_zk_maintenance", "gauge",
             "1 while this master's server is stopped on purpose");
  for (const auto& m : cluster.masters()) {
    if (m.name() == self)
      out.Sample("lockstep_zk_maintenance", Label("master", m.name()), m.zk().maintenance());
  }
  out.Family("lockstep_zk_restarts_total", "counter",
             "unexpected exits of this master's server that the agent restarted");
  out.Sample("lockstep_zk_restarts_total", Label("master", self),
             static_cast<double>(controller.restarts()));
  out.Family("lockstep_cluster_serving", "gauge", "servers serving");
  out.Sample("lockstep_cluster_serving", "", cluster.serving());
  out.Family("lockstep_cluster_leaders", "gauge", "servers claiming to lead (1 when healthy)");
  out.Sample("lockstep_cluster_leaders", "", cluster.leaders());
  out.Family("lockstep_cluster_quorum", "gauge", "1 when a majority of voters serve");
  out.Sample("lockstep_cluster_quorum", "", cluster.quorum());
  if (server) {
    out.Family("lockstep_http_requests_total", "counter", "HTTP requests handled");
    out.Sample("lockstep_http_requests_total", "", static_cast<double>(server->requests.load()));
    out.Family("lockstep_http_rejected_total", "counter",
               "malformed or oversized requests and refused connections");
    out.Sample("lockstep_http_rejected_total", "", static_cast<double>(server->rejected.load()));
    out.Family("lockstep_http_connections", "gauge", "open HTTP connections");
    out.Sample("lockstep_http_connections", "", static_cast<double>(server->connections.load()));
  }
  RenderBackupMetrics(out, catalog);
  RenderVerificationMetrics(out, catalog);
  RenderRepositoryMetrics(out, catalog);
  out.Family("lockstep_agent_resident_memory_bytes", "gauge", "the agent's resident memory");
  out.Sample("lockstep_agent_resident_memory_bytes", "", ResidentBytes());
  return out.str();
}

}  // namespace lockstep::agent
