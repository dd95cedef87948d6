// What goes into the audit log (audit_log.h) for one request the router has answered: whether it
// is recorded at all, and the entry that records it.
#pragma once

#include <chrono>
#include <string>

#include "agent/http/router.h"
#include "common/http/message.h"
#include "proto/audit.pb.h"

namespace lockstep::agent {

// Recorded: every request by an identified caller that could change something (any method but
// GET and HEAD), allowed or refused, and reads of routes marked audit_reads (downloads of
// archives). Not recorded: what agents send each other on internal routes; a reply relayed from
// the agent this one forwarded the request to (that agent executed it and records it, naming
// this master as `via`); requests matching no route (404, 405); and requests from no identified
// caller (401), which are counted instead (refusals.h) so that no amount of them can wash an
// operator's history out of the log or cost an fsync each.
bool ShouldAudit(const http::Request& request, const http::Reply& reply,
                 const Dispatched& dispatched);

// The entry for `request` answered with `reply` on `master` at `now`. Every field taken from the
// request is bounded, since a refused caller chose it.
proto::AuditEntry MakeAuditEntry(const http::Request& request, const http::Reply& reply,
                                 const Dispatched& dispatched, const std::string& master,
                                 std::chrono::system_clock::time_point now);

}  // namespace lockstep::agent
