// Requests only the coordinator may run (backup create/delete, imports, schedules) reach it from
// any agent: handled here when this agent coordinates, otherwise forwarded once (marked, so it
// can't loop). While an election is settling, either side waits a few seconds for it instead of
// failing at once.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/http/client.h"
#include "common/http/message.h"
#include "coordinator/election.h"

namespace lockstep::agent {

// nullopt: this agent is the coordinator, handle the request here. Otherwise the coordinator's
// reply, or a 503 saying why there is none. The settling wait runs on `clock`.
std::optional<http::Reply> RouteToCoordinator(const coordinator::Election& election,
                                              const http::Client& client, const std::string& token,
                                              const http::Request& request,
                                              std::chrono::milliseconds timeout,
                                              Clock& clock = RealClockInstance());

}  // namespace lockstep::agent
