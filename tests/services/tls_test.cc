// TLS and mutual TLS. The certificates are made at test time with the
// openssl command line in the suite's temporary directory: a CA, a server
// certificate for 127.0.0.1 and localhost, a client certificate, and a
// second "rogue" CA with a client certificate of its own.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

absl::Status Run(const std::string& command, const std::string& log) {
  const std::string line = command + " >>" + log + " 2>&1";
  if (std::system(line.c_str()) != 0) {
    return absl::InternalError("failed: " + command + "\n" +
                               ReadWholeFile(log).value_or(""));
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path);
  out << contents;
  return out ? absl::OkStatus() : absl::InternalError("cannot write " + path);
}

// Makes <dir>/<name>.key and <name>.crt: a self-signed CA when `ca` is
// empty, else a leaf signed by <dir>/<ca>.crt with the given extensions.
absl::Status MakeCertificate(const TempDir& dir, const std::string& name,
                             const std::string& subject, const std::string& ca,
                             const std::string& extensions) {
  const std::string log = dir.Join("openssl.log");
  const std::string key = dir.Join(name + ".key");
  const std::string crt = dir.Join(name + ".crt");
  const std::string new_key =
      " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key;
  if (ca.empty()) {
    return Run("openssl req -x509" + new_key + " -out " + crt +
                   " -days 2 -subj '/CN=" + subject + "'",
               log);
  }
  const std::string csr = dir.Join(name + ".csr");
  const std::string ext = dir.Join(name + ".ext");
  if (absl::Status s = WriteFile(ext, extensions); !s.ok()) return s;
  if (absl::Status s = Run("openssl req -new" + new_key + " -out " + csr +
                               " -subj '/CN=" + subject + "'",
                           log);
      !s.ok()) {
    return s;
  }
  return Run("openssl x509 -req -in " + csr + " -CA " + dir.Join(ca + ".crt") +
                 " -CAkey " + dir.Join(ca + ".key") +
                 " -set_serial 2 -days 2 -out " + crt + " -extfile " + ext,
             log);
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certificates_ = new TempDir();
    const TempDir& dir = *certificates_;
    const std::string server_ext =
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n";
    const std::string client_ext =
        "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n";
    absl::Status made = MakeCertificate(dir, "ca", "Timebank Test CA", "", "");
    if (made.ok())
      made = MakeCertificate(dir, "server", "localhost", "ca", server_ext);
    if (made.ok())
      made = MakeCertificate(dir, "client", "integration", "ca", client_ext);
    if (made.ok()) made = MakeCertificate(dir, "rogue-ca", "Rogue CA", "", "");
    if (made.ok()) {
      made = MakeCertificate(dir, "rogue-client", "intruder", "rogue-ca",
                             client_ext);
    }
    if (!made.ok()) {
      setup_error_ = made.ToString();
      return;
    }
    auto tls = ServerProcess::Start({.tls_cert_file = dir.Join("server.crt"),
                                     .tls_key_file = dir.Join("server.key")});
    auto mtls =
        ServerProcess::Start({.tls_cert_file = dir.Join("server.crt"),
                              .tls_key_file = dir.Join("server.key"),
                              .tls_client_ca_file = dir.Join("ca.crt")});
    if (!tls.ok() || !mtls.ok()) {
      setup_error_ = tls.status().ToString() + " / " + mtls.status().ToString();
      return;
    }
    tls_server_ = tls->release();
    mtls_server_ = mtls->release();
  }

  static void TearDownTestSuite() {
    delete tls_server_;
    delete mtls_server_;
    delete certificates_;
    tls_server_ = mtls_server_ = nullptr;
    certificates_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(tls_server_ != nullptr && mtls_server_ != nullptr)
        << setup_error_;
  }

  static std::string Pem(const std::string& name) {
    return ReadWholeFile(certificates_->Join(name)).value_or("");
  }

  // Trusts `ca`; presents `client` (a certificate name) when not empty.
  static std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(
      const std::string& ca, const std::string& client = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = Pem(ca + ".crt");
    if (!client.empty()) {
      options.pem_private_key = Pem(client + ".key");
      options.pem_cert_chain = Pem(client + ".crt");
    }
    return grpc::SslCredentials(options);
  }

  // ListTimebanks with the server's admin token over the given credentials.
  static grpc::Status ListTimebanks(
      const ServerProcess& server,
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    Client client(server.NewChannel(std::move(credentials)),
                  server.admin_token());
    return client
        .Call(&v1::Ledger::Stub::ListTimebanks, v1::ListTimebanksRequest())
        .status;
  }

  static inline TempDir* certificates_ = nullptr;
  static inline ServerProcess* tls_server_ = nullptr;
  static inline ServerProcess* mtls_server_ = nullptr;
  static inline std::string setup_error_;
};

TEST_F(TlsTest, ClientTrustingTheCaIsServed) {
  Client admin(tls_server_->NewChannel(TlsCredentials("ca")),
               tls_server_->admin_token());
  ASSERT_RPC_OK(admin.CreateTimebank("tls-riverside"));
  Rpc<v1::Timebank> got = admin.GetTimebank("tls-riverside");
  ASSERT_RPC_OK(got);
  EXPECT_EQ(got->timebank_id(), "tls-riverside");
}

TEST_F(TlsTest, PlaintextClientFailsCleanlyAgainstTlsServer) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_RPC_CODE(
      ListTimebanks(*tls_server_, grpc::InsecureChannelCredentials()),
      UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // The server is none the worse for it.
  EXPECT_RPC_OK(ListTimebanks(*tls_server_, TlsCredentials("ca")));
}

TEST_F(TlsTest, ClientNotTrustingTheServerIsRefused) {
  EXPECT_RPC_CODE(ListTimebanks(*tls_server_, TlsCredentials("rogue-ca")),
                  UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsClientWithCertificateIsServed) {
  EXPECT_RPC_OK(ListTimebanks(*mtls_server_, TlsCredentials("ca", "client")));
}

TEST_F(TlsTest, MutualTlsClientWithoutCertificateIsRefused) {
  EXPECT_RPC_CODE(ListTimebanks(*mtls_server_, TlsCredentials("ca")),
                  UNAVAILABLE);
  EXPECT_RPC_CODE(
      ListTimebanks(*mtls_server_, grpc::InsecureChannelCredentials()),
      UNAVAILABLE);
  EXPECT_RPC_OK(ListTimebanks(*mtls_server_, TlsCredentials("ca", "client")));
}

TEST_F(TlsTest, MutualTlsClientWithCertificateOfAnotherCaIsRefused) {
  EXPECT_RPC_CODE(
      ListTimebanks(*mtls_server_, TlsCredentials("ca", "rogue-client")),
      UNAVAILABLE);
}

// A token is still required on a mutually authenticated connection.
TEST_F(TlsTest, MutualTlsStillRequiresAToken) {
  Client anonymous(mtls_server_->NewChannel(TlsCredentials("ca", "client")),
                   "");
  EXPECT_RPC_ERROR(anonymous.Call(&v1::Ledger::Stub::ListTimebanks,
                                  v1::ListTimebanksRequest()),
                   UNAUTHENTICATED, "authorization");
}

}  // namespace
}  // namespace timebank::testing
