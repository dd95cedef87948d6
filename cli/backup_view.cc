#include "cli/backup_view.h"

#include <iostream>

#include "api/names.h"
#include "cli/output.h"
#include "cli/progress_printer.h"
#include "common/clock.h"
#include "common/strings.h"

namespace lockstep::cli {

std::string StatusName(proto::BackupStatus status) { return proto::BackupStatus_Name(status); }

std::string Short(const std::string& text, size_t n) {
  return text.size() <= n ? text : text.substr(0, n);
}

std::string VerifiedCell(const proto::Verification& v) {
  if (v.kind().empty()) return "-";
  std::string cell = v.kind() + (v.passed() ? " ok" : " FAILED");
  if (std::optional<Clock::WallTimePoint> at = ParseUtcTimestamp(v.verified_at())) {
    const auto age = std::chrono::system_clock::now() - *at;
    cell += " " + HumanAge(std::chrono::duration_cast<std::chrono::seconds>(age)) + " ago";
  }
  return cell;
}

void PrintVerification(const proto::Verification& v) {
  std::cout << "\n  verified   " << v.kind() << (v.passed() ? " ok" : " FAILED") << " at "
            << v.verified_at() << (v.master().empty() ? "" : " on " + v.master()) << " ("
            << v.trigger() << ")";
  if (!v.passed()) std::cout << ": " << v.reason();
  if (v.kind() != api::kVerifyDeep && !v.deep_passed_at().empty()) {
    std::cout << "; last deep ok at " << v.deep_passed_at();
  }
}

void PrintSummary(const proto::Backup& b) {
  const auto zk = b.component_status().count("zookeeper") ? b.component_status().at("zookeeper")
                                                          : proto::ComponentStatus();
  std::cout << b.id() << "\n  status     " << StatusName(b.status())
            << (b.reason().empty() ? "" : ": " + b.reason()) << "\n  mode       " << b.mode()
            << "\n  created    " << b.timestamp();
  if (!b.sha256().empty()) {
    std::cout << "\n  size       " << HumanBytes(b.size_bytes()) << "\n  sha256     " << b.sha256()
              << "\n  zookeeper  zxid " << zk.last_zxid() << ", " << zk.node_count()
              << " znodes, taken on " << zk.source();
    if (!b.encryption().empty()) {
      std::cout << "\n  encrypted  " << b.encryption()
                << " (restoring needs an identity: identity_file on the masters, or --identity)";
    }
  }
  for (const auto& [name, c] : b.component_status()) {
    if (name == "zookeeper") continue;
    std::cout << "\n  " << name << (name.size() < 10 ? std::string(10 - name.size(), ' ') : " ")
              << " " << c.root() << ": " << c.node_count() << " znodes, zxid " << c.zxid_from()
              << ".." << c.zxid_to();
    if (!c.ephemeral().empty()) {
      std::cout << ", " << c.ephemeral_size() << " ephemeral (not restored)";
    }
  }
  std::cout << "\n  replicas   ";
  for (int i = 0; i < b.replicas_size(); ++i)
    std::cout << (i ? ", " : "") << b.replicas(i).master();
  if (b.has_verification()) PrintVerification(b.verification());
  if (b.has_remote()) {
    const proto::RemoteCopy& remote = b.remote();
    std::cout << "\n  remote     " << StatusName(remote.status()) << " " << remote.url()
              << (remote.reason().empty() ? "" : ": " + remote.reason());
  }
  std::cout << "\n";
}

}  // namespace lockstep::cli
