// The agent's request path on arbitrary bytes: Beast's parser as the server configures it, the
// server's own RequestFromHead and CheckHeadText (common/http/request_head.h), then the router with
// the agent's own route table (handlers replaced by an echo) and a forward proof check. Nothing may
// crash, hang or leak; a request with a control character must never reach a handler.
#include <boost/beast/http.hpp>
#include <cstdlib>

#include "agent/http/router.h"
#include "agent/http/routes.h"
#include "common/http/request_head.h"
#include "common/http/request_text.h"

namespace {

namespace bhttp = boost::beast::http;
using namespace lockstep;

agent::Router& TheRouter() {
  static agent::Router router = [] {
    std::vector<agent::Route> routes = agent::AgentRoutes({});
    for (auto& route : routes) {
      route.handler = [](const http::Request& request, const agent::PathParams& params) {
        // The server refused every control character before dispatch: none may arrive here.
        if (!http::CheckRequestText(request).ok()) std::abort();
        for (const auto& [name, value] : params) {
          if (http::HasControlCharacter(value)) std::abort();
        }
        return http::Reply{200, "ok", "text/plain"};
      };
    }
    return agent::Router(
        agent::Credentials({{"ops", api::Role::kAdmin, "admin-admin-admin-0123456789abc"}},
                           "cluster-cluster-cluster-0123456"),
        std::move(routes), [] { return int64_t{1'800'000'000}; });
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& message = parser.get();
  http::Request request = http::RequestFromHead(message.base(), "127.0.0.1:1", "");
  if (!http::CheckHeadText(message.base(), request).ok()) return 0;
  request.body = message.body();
  agent::Dispatched dispatched;
  (void)TheRouter().Dispatch(request, &dispatched);
  (void)TheRouter().Quick(request);
  (void)TheRouter().Permits(request);
  return 0;
}
