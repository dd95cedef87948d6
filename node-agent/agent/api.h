// The agent's HTTP entry point: every request goes through the route table (routes.h) and is
// logged with its status. Immutable once built: safe from every server thread.
#pragma once

#include "common/http/message.h"
#include "node-agent/agent/router.h"

namespace lockstep::agent {

class Api {
 public:
  explicit Api(Router router) : router_(std::move(router)) {}
  http::Reply Handle(const http::Request& request) const;

 private:
  const Router router_;
};

}  // namespace lockstep::agent
