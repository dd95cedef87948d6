// Requests only the coordinator may run (backup create/delete, imports, schedules) reach it from
// any agent: handled here when this agent coordinates, otherwise forwarded once with the
// caller's own credential (forwarding.h; the proof it carries stops it being forwarded again).
// While an election is settling, the agent that first received the request waits a few seconds
// for it instead of failing at once (at most a few requests at a time; more get 503 at once);
// the agent it was forwarded to never waits. A request that is safe to send twice (it carries a
// request id) and finds the coordinator not answering waits for the next one to be elected and goes
// there.
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
// reply, or a 503 saying why there is none. `token`: the cluster credential, which signs the
// forward proof and is sent only with the agents' own internal requests. The settling wait runs on
// `clock`. `repeatable`: the request may reach a second coordinator after the first did not answer
// (a retry of it returns the operation already started, never a second one).
std::optional<http::Reply> RouteToCoordinator(const coordinator::Election& election,
                                              const http::Client& client, const std::string& token,
                                              const http::Request& request,
                                              std::chrono::milliseconds timeout,
                                              Clock& clock = RealClockInstance(),
                                              bool repeatable = false);

}  // namespace lockstep::agent
