#include "http/curl_errors.hpp"

#include <openssl/x509.h>

#include <string_view>

namespace hfcache::http {

std::string duration_text(std::chrono::milliseconds ms) {
  auto count = ms.count();
  if (count % 1000 == 0) return std::to_string(count / 1000) + " s";
  return std::to_string(count) + " ms";
}

TransportError describe_failure(const FailedTransfer& failure, const TransportOptions& options) {
  using Kind = TransportError::Kind;
  const std::string& host = failure.host;
  const std::string via = failure.proxy.empty() ? "" : " through proxy " + failure.proxy;
  const std::string detail =
      failure.curl_detail != nullptr && *failure.curl_detail != '\0' ? std::string(" (") + failure.curl_detail + ")"
                                                                     : "";
  switch (failure.code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      // curl's detail names what failed (the name, or the host or proxy and port it tried).
      return {Kind::connect, "cannot connect to " + host + via +
                                 (detail.empty() ? " (name not resolved, connection refused or network unreachable)"
                                                 : detail)};
    case CURLE_OPERATION_TIMEDOUT:
      // Our own read timeout is applied outside curl, so curl's timeout is the connect one.
      return {Kind::timeout,
              "timed out connecting to " + host + via + " after " + duration_text(options.connect_timeout)};
    case CURLE_SEND_ERROR:
      return {Kind::io, "connection to " + host + via + " lost while sending the request" + detail};
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:  // an HTTP/0.9 answer (a non-HTTP server) lands here
    case CURLE_BAD_CONTENT_ENCODING:
      if (failure.code == CURLE_RECV_ERROR && failure.easy != nullptr) {
        long connect_code = 0;
        curl_easy_getinfo(failure.easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
        if (connect_code >= 300) {
          std::string advice = connect_code == 407 ? "; put the credentials in the proxy URL: "
                                                     "https_proxy=http://user:password@host:port"
                                                   : "";
          return {Kind::other, "proxy " + failure.proxy + " refused the tunnel to " + host + " (status " +
                                   std::to_string(connect_code) + ")" + advice};
        }
      }
      return {Kind::io, "connection to " + host + via + " lost or broken while receiving" + detail};
    case CURLE_SSL_CONNECT_ERROR:
      return {Kind::tls, "TLS handshake with " + host + via + " failed" + detail};
    case CURLE_SSL_CACERT_BADFILE:
      return {Kind::tls_setup, "cannot load CA certificates from " +
                                   (options.ca_bundle.empty() ? std::string("the system store")
                                                              : "'" + options.ca_bundle + "'") +
                                   "; set ca_bundle (or SSL_CERT_FILE) to a readable PEM file"};
    case CURLE_PEER_FAILED_VERIFICATION: {
      long code = X509_V_OK;
      if (failure.easy != nullptr) curl_easy_getinfo(failure.easy, CURLINFO_SSL_VERIFYRESULT, &code);
      // curl checks the name after the chain, leaving no specific OpenSSL code; its own message
      // says "... match target host name ...".
      std::string_view said = failure.curl_detail != nullptr ? failure.curl_detail : "";
      bool wrong_name = said.find("target host name") != std::string_view::npos ||
                        code == X509_V_ERR_HOSTNAME_MISMATCH || code == X509_V_ERR_IP_ADDRESS_MISMATCH;
      if (wrong_name || code == X509_V_OK) {
        return {Kind::tls_verify, "TLS certificate of " + host +
                                      " not trusted (it is issued for another host name); check the endpoint URL"};
      }
      return {Kind::tls_verify, "TLS certificate of " + host + " not trusted (" +
                                    X509_verify_cert_error_string(code) +
                                    "); if a proxy or firewall intercepts TLS, set ca_bundle (or SSL_CERT_FILE) "
                                    "to its CA certificate"};
    }
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR:
      return {Kind::cancelled, "request to " + host + " cancelled"};
    default:
      return {Kind::other, "request to " + host + via + " failed (" + curl_easy_strerror(failure.code) + ")" + detail};
  }
}

}  // namespace hfcache::http
