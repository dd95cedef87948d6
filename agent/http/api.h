// The agent's HTTP entry point: every request goes through the route table (routes.h), is logged
// with its status, and, when it could change something, is recorded in the audit log (audit.h).
// Immutable once built: safe from every server thread.
#pragma once

#include <string>

#include "agent/http/refusals.h"
#include "agent/http/router.h"
#include "agent/master/audit_log.h"
#include "common/clock.h"
#include "common/http/message.h"

namespace lockstep::agent {

// Where requests are recorded: this master's log and name. No log: nothing is recorded (tests).
struct AuditTrail {
  AuditLog* log = nullptr;
  std::string master;
  UnauthenticatedRefusals* refusals = nullptr;  // counts what the log does not record
  const Clock* clock = &RealClockInstance();
};

class Api {
 public:
  explicit Api(Router router, AuditTrail trail = {})
      : router_(std::move(router)), trail_(std::move(trail)) {}
  http::Reply Handle(const http::Request& request) const;
  const Router& router() const { return router_; }

 private:
  void Record(const http::Request& request, const http::Reply& reply,
              const Dispatched& dispatched) const;

  const Router router_;
  const AuditTrail trail_;
};

}  // namespace lockstep::agent
