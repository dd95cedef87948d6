// What goes into the audit log (audit_log.h) for one request the router has answered: whether it
// is recorded at all, and the entry that records it.
#pragma once

#include <chrono>
#include <string>

#include "common/http/message.h"
#include "node-agent/agent/router.h"
#include "proto/audit.pb.h"

namespace lockstep::agent {

// Every request that could change something (any method but GET and HEAD), allowed or refused,
// is recorded; except what agents send each other: internal routes and forwarded requests
// carrying the cluster credential (the master that first received the request recorded it), and
// requests matching no route that were not refused for their token (404, 405).
bool ShouldAudit(const http::Request& request, const http::Reply& reply,
                 const Dispatched& dispatched);

// The entry for `request` answered with `reply` on `master` at `now`. Every field taken from the
// request is bounded, since a refused caller chose it.
proto::AuditEntry MakeAuditEntry(const http::Request& request, const http::Reply& reply,
                                 const Dispatched& dispatched, const std::string& master,
                                 std::chrono::system_clock::time_point now);

}  // namespace lockstep::agent
