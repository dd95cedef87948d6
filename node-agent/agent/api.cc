#include "node-agent/agent/api.h"

#include <string>

#include "common/log.h"

namespace lockstep::agent {

http::Reply Api::Handle(const http::Request& request) const {
  http::Reply reply = router_.Dispatch(request);
  log::Debug("http", {{"method", request.method},
                      {"path", request.path},
                      {"status", std::to_string(reply.status)},
                      {"remote", request.remote}});
  return reply;
}

}  // namespace lockstep::agent
