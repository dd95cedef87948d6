// Streaming a file as an HTTP body in 1 MiB chunks, each with its own deadline. (Beast's
// file_body moves 4 KiB at a time, which caps loopback transfers far below disk speed.)
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lockstep::http {

// Writes `size` bytes of the file at `path`, from byte `offset` on, to `stream`;
// `progress(done, total)` after each chunk.
template <typename Stream>
boost::asio::awaitable<void> WriteFileBytes(Stream& stream, const std::string& path, uint64_t size,
                                            std::chrono::milliseconds chunk_timeout,
                                            const std::function<void(uint64_t, uint64_t)>& progress,
                                            uint64_t offset = 0) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw boost::system::system_error(
        boost::system::error_code(errno, boost::system::system_category()), "open " + path);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::vector<char> chunk(1 << 20);
  uint64_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::pread(fd, chunk.data(), std::min<uint64_t>(chunk.size(), size - sent),
                              static_cast<off_t>(offset + sent));
    if (n <= 0) {
      throw boost::system::system_error(
          boost::system::error_code(n < 0 ? errno : EIO, boost::system::system_category()),
          "read " + path);
    }
    boost::beast::get_lowest_layer(stream).expires_after(chunk_timeout);
    co_await boost::asio::async_write(stream,
                                      boost::asio::buffer(chunk.data(), static_cast<size_t>(n)),
                                      boost::asio::use_awaitable);
    sent += static_cast<uint64_t>(n);
    if (progress) progress(sent, size);
  }
}

}  // namespace lockstep::http
