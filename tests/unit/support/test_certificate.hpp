#pragma once
// A throwaway self-signed TLS certificate for the hub client's HTTPS tests.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace hfcache::test_support {

// A self-signed certificate for `san` (e.g. "IP:127.0.0.1"), with its key, freed on destruction.
struct TestCertificate {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::filesystem::path pem;

  explicit TestCertificate(const char* san) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REQUIRE(key != nullptr);
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    const unsigned char cn[] = "hfcache test";
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san);
    REQUIRE(ext != nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);

    std::string pattern = (std::filesystem::temp_directory_path() / "hfcache-ca-XXXXXX").string();
    int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    pem = pattern;
    FILE* file = fdopen(fd, "w");
    PEM_write_X509(file, cert);
    std::fclose(file);
  }
  ~TestCertificate() {
    X509_free(cert);
    EVP_PKEY_free(key);
    std::filesystem::remove(pem);
  }
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;
};

}  // namespace hfcache::test_support
