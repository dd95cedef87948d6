// The TLS context type, declared only. Most code passes contexts around (shared_ptr) and never
// looks inside, and Boost.Asio's SSL header costs seconds in every unit that includes it (about
// 100 units did, through client.h and tls.h); tls.cc, client.cc and server.cc include it whole.
#pragma once

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl
