#include "node-agent/agent/zk_probe.h"

#include "common/clock.h"
#include "node-agent/zk/four_letter.h"

namespace lockstep::agent {

const char* ExhibitorDescription(int code) {
  switch (code) {
    case kDown: return "down";
    case kNotServing: return "not serving";
    case kServing: return "serving";
    default: return "latent";
  }
}

proto::ZkServerStatus ProbeZk(const zk::Endpoint& endpoint, std::chrono::milliseconds timeout) {
  proto::ZkServerStatus status;
  status.set_probed_at(FormatUtcNow("%Y-%m-%dT%H:%M:%SZ"));
  auto set_code = [&](int code, const std::string& error) {
    status.set_code(code);
    status.set_description(ExhibitorDescription(code));
    status.set_error(error);
  };
  if (!zk::AnswersRuok(endpoint, timeout)) {
    set_code(kDown, "no answer to ruok on " + endpoint.ToString());
    return status;
  }
  Result<zk::SrvrInfo> srvr = zk::QuerySrvr(endpoint, timeout);
  if (!srvr.ok()) {
    set_code(kNotServing, srvr.status().message());
    return status;
  }
  if (!srvr->serving || srvr->mode == "read-only") {
    set_code(kNotServing, srvr->serving ? "read-only: no quorum" : "up but not serving requests");
    return status;
  }
  set_code(kServing, "");
  status.set_mode(srvr->mode);
  status.set_zxid(FormatZxid(srvr->zxid));
  status.set_node_count(static_cast<uint32_t>(srvr->node_count));
  status.set_is_leader(srvr->mode == "leader" || srvr->mode == "standalone");
  return status;
}

}  // namespace lockstep::agent
