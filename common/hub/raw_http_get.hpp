#pragma once
// A one-shot HTTP/1.1 GET for large bodies, on its own connection (`Connection: close`), without
// cpp-httplib: cpp-httplib reads bodies 4 KiB at a time with a poll() before each recv, which
// halves the throughput of a multi-GB download on a busy machine. Here the body is read in blocks
// of up to `raw_read_block` bytes straight into the caller's handler, and the read timeout is the
// socket's SO_RCVTIMEO (no poll per read).
//
// Same contract as HttpTransport::get_stream (same StreamResult, handlers, TransportError kinds
// and messages), same TLS policy: the certificate chain is verified against the system CA store
// or `ca_bundle`, and the host name (or IP address) is checked; SNI is sent for names. Bodies
// framed by Content-Length, chunked transfer coding, or the end of the connection. Redirects are
// not followed. Direct connections only: HttpTransport::get_stream_large uses cpp-httplib when a
// proxy applies.
#include <cstddef>

#include "hub/http_transport.hpp"

namespace hfcache::hub {

// The largest block read from the socket (and passed to `on_body`) at once.
inline constexpr std::size_t raw_read_block = std::size_t{1} << 20;

StreamResult raw_http_get(const Url& url, const HttpHeaders& headers, const TransportOptions& options,
                          const ResponseStartHandler& on_start, const BodyHandler& on_body);

}  // namespace hfcache::hub
