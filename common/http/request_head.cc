#include "common/http/request_head.h"

#include <boost/beast/http/field.hpp>
#include <string_view>

#include "common/http/request_text.h"

namespace lockstep::http {
namespace {

namespace bhttp = boost::beast::http;

std::string Text(boost::beast::string_view text) { return std::string(text.data(), text.size()); }

}  // namespace

Request RequestFromHead(const bhttp::request_header<>& head, const std::string& remote,
                        const std::string& subject) {
  Request request;
  request.method = Text(head.method_string());
  SplitTarget(std::string_view(head.target().data(), head.target().size()), &request);
  request.authorization = Text(head[bhttp::field::authorization]);
  request.content_type = Text(head[bhttp::field::content_type]);
  request.accept = Text(head[bhttp::field::accept]);
  request.forward_proof = Text(head[kForwardedHeader]);
  request.remote = remote;
  request.client_subject = subject;
  return request;
}

Status CheckHeadText(const bhttp::request_header<>& head, const Request& request) {
  for (const auto& field : head) {
    const auto name = field.name_string();
    const auto value = field.value();
    RETURN_IF_ERROR(CheckHeaderText(std::string_view(name.data(), name.size()),
                                    std::string_view(value.data(), value.size())));
  }
  return CheckRequestText(request);
}

}  // namespace lockstep::http
