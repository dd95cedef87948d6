#include "agent/http/api.h"

#include <string>

#include "agent/http/audit.h"
#include "common/log.h"

namespace lockstep::agent {
namespace {

// Why a request was refused as unauthenticated, for the refusal counts.
std::string Why401(const http::Request& request, const Dispatched& dispatched) {
  if (dispatched.caller) return "bad_forward_proof";
  return request.authorization.empty() ? "no_token" : "unknown_token";
}

}  // namespace

http::Reply Api::Handle(const http::Request& request) const {
  Dispatched dispatched;
  http::Reply reply = router_.Dispatch(request, &dispatched);
  log::Debug("http", {{"method", request.method},
                      {"path", request.path},
                      {"status", std::to_string(reply.status)},
                      {"caller", dispatched.caller ? dispatched.caller->name : ""},
                      {"remote", request.remote}});
  if (trail_.log && ShouldAudit(request, reply, dispatched)) Record(request, reply, dispatched);
  if (trail_.refusals && reply.status == 401)
    trail_.refusals->Count(request.remote, Why401(request, dispatched));
  return reply;
}

void Api::Record(const http::Request& request, const http::Reply& reply,
                 const Dispatched& dispatched) const {
  Status written = trail_.log->Append(
      MakeAuditEntry(request, reply, dispatched, trail_.master, trail_.clock->WallNow()));
  // The request was served either way; a log that can't be written must be seen and fixed.
  if (!written.ok()) log::Error("audit entry not written", {{"error", written.message()}});
}

}  // namespace lockstep::agent
