#include "agent/control/zk_probe.h"

#include <cstdlib>
#include <sstream>

#include "common/clock.h"
#include "engine/zk/four_letter.h"

namespace lockstep::agent {

namespace {

// `mntr` lines are "zk_key<TAB>value"; only the figures operators watch are kept.
void AddMntr(const std::string& text, proto::ZkServerStatus* status) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string key = line.substr(0, tab), value = line.substr(tab + 1);
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    const bool numeric = end != value.c_str();
    if (key == "zk_version") status->set_version(value.substr(0, value.find(',')));
    if (!numeric) continue;
    if (key == "zk_avg_latency") status->set_avg_latency_ms(number);
    if (key == "zk_outstanding_requests")
      status->set_outstanding_requests(static_cast<uint32_t>(number));
    if (key == "zk_synced_followers") status->set_synced_followers(static_cast<uint32_t>(number));
    if (key == "zk_approximate_data_size")
      status->set_approximate_data_size(static_cast<uint64_t>(number));
  }
}

}  // namespace

proto::ZkServerStatus ProbeZk(const zk::Endpoint& endpoint, std::chrono::milliseconds timeout) {
  proto::ZkServerStatus status;
  status.set_probed_at(UtcTimestamp());
  auto set_code = [&](int code, const std::string& error) {
    status.set_code(code);
    status.set_description(api::ExhibitorDescription(code));
    status.set_error(error);
  };
  if (!zk::AnswersRuok(endpoint, timeout)) {
    set_code(api::kDown, "no answer to ruok on " + endpoint.ToString());
    return status;
  }
  Result<zk::SrvrInfo> srvr = zk::QuerySrvr(endpoint, timeout);
  if (!srvr.ok()) {
    set_code(api::kNotServing, srvr.status().message());
    return status;
  }
  if (!srvr->serving || srvr->mode == "read-only") {
    set_code(api::kNotServing,
             srvr->serving ? "read-only: no quorum" : "up but not serving requests");
    return status;
  }
  set_code(api::kServing, "");
  status.set_mode(srvr->mode);
  status.set_zxid(FormatZxid(srvr->zxid));
  status.set_node_count(static_cast<uint32_t>(srvr->node_count));
  status.set_is_leader(srvr->mode == "leader" || srvr->mode == "standalone");
  if (Result<std::string> mntr = zk::FourLetterWord(endpoint, "mntr", timeout); mntr.ok()) {
    AddMntr(*mntr, &status);
  }
  return status;
}

}  // namespace lockstep::agent
