// What the server makes of a parsed request head before any handler runs: the Request handlers
// see, and the check that refuses control characters in it (request_text.h). One piece of code
// for the server and for the fuzz target that exercises it (fuzz/http_request_fuzz.cc).
#pragma once

#include <boost/beast/http/message.hpp>
#include <string>

#include "common/http/message.h"
#include "common/status.h"

namespace lockstep::http {

// The Request for `head` (no body yet). `remote`: the peer's address; `subject`: its
// certificate's, under TLS with client certificates.
Request RequestFromHead(const boost::beast::http::request_header<>& head, const std::string& remote,
                        const std::string& subject);

// OK when no header of `head` and no part of `request` holds a control character.
Status CheckHeadText(const boost::beast::http::request_header<>& head, const Request& request);

}  // namespace lockstep::http
