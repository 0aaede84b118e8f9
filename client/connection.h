// A connection to a timebankd server: where it is, how to reach it (plain or
// TLS, optionally with a client certificate) and which bearer token to send.
//
// Thread safety: a Connection is immutable once opened; its stubs and
// NewCallContext may be used from several threads at once. Each
// grpc::ClientContext it hands out serves one call on one thread.
//
// The token is a secret: it is read from a file, kept in memory only to be
// sent as `authorization: Bearer <token>`, and never printed or put into an
// error message.

#ifndef TIMEBANK_CLIENT_CONNECTION_H_
#define TIMEBANK_CLIENT_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "timebank/v1/access.grpc.pb.h"
#include "timebank/v1/admin.grpc.pb.h"
#include "timebank/v1/assessment.grpc.pb.h"
#include "timebank/v1/ledger.grpc.pb.h"

namespace timebank::client {

inline constexpr char kDefaultServer[] = "localhost:50051";
inline constexpr char kDefaultTokenFile[] = "data/admin.token";
inline constexpr char kServerEnv[] = "TIMEBANK_SERVER";
inline constexpr char kTokenFileEnv[] = "TIMEBANK_TOKEN_FILE";
inline constexpr std::chrono::seconds kDefaultDeadline{30};

// Token files are a line of text; anything bigger is not a token file.
inline constexpr size_t kMaxTokenFileBytes = 4096;
// PEM files (CA, certificate chain, key) are read whole; cap their size.
inline constexpr size_t kMaxPemFileBytes = 1 << 20;

// How to reach the server. Empty strings mean "not given".
struct ConnectionOptions {
  // host:port of the server.
  std::string server;
  // File holding the bearer token.
  std::string token_file;
  // Use TLS; implied by any of the tls_* files.
  bool tls = false;
  // PEM root certificates to trust instead of the system's.
  std::string tls_ca_file;
  // PEM client certificate chain and private key, for mutual TLS; both or
  // neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // How long a unary call may take before it fails with DEADLINE_EXCEEDED.
  std::chrono::seconds deadline = kDefaultDeadline;
};

// Reads an environment variable; returns nullopt when unset. Injected so
// that tests need not touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Looks variables up in the process environment.
std::optional<std::string> ProcessEnv(const char* name);

// Reads a whole file of at most `max_bytes`. Errors name the file, never
// its content: NOT_FOUND if it cannot be read, INVALID_ARGUMENT if it is
// larger.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          size_t max_bytes);

// Writes `content` beside `path` and renames it into place, so a reader
// never sees half a file. Errors name `flag` (e.g. "--html") and the path:
// INVALID_ARGUMENT when the path cannot be written, INTERNAL when a write
// fails half-way.
absl::Status WriteFileAtomically(std::string_view flag, const std::string& path,
                                 const std::string& content);

// Fills what the flags left empty: the server from TIMEBANK_SERVER, else
// kDefaultServer; the token file from TIMEBANK_TOKEN_FILE, else
// kDefaultTokenFile when that file exists (otherwise it stays empty). Sets
// `tls` when any TLS file is given.
ConnectionOptions ResolveOptions(ConnectionOptions flags, const EnvLookup& env);

// Reads a bearer token: the file's content without surrounding whitespace.
// Errors name the file, never its content: NOT_FOUND if it cannot be read,
// INVALID_ARGUMENT if it is empty, too large or holds characters a gRPC
// header cannot carry.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Converts a gRPC status into the absl::Status used inside the client; the
// numeric codes are the same by design.
absl::Status FromGrpc(const grpc::Status& status);

// A channel to the server with no token, for calls that need none (the
// health check). INVALID_ARGUMENT for unreadable or half-given TLS files.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(
    const ConnectionOptions& options);

class Connection {
 public:
  // Creates the channel and stubs. Fails with UNAUTHENTICATED when no token
  // file is known, and with the ReadTokenFile errors or INVALID_ARGUMENT for
  // unreadable or half-given TLS files. Does not contact the server: the
  // first call does.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const ConnectionOptions& options);

  // A connection over the same channel that authenticates with `token`
  // instead, e.g. as a member whose token was just created.
  std::unique_ptr<Connection> WithToken(std::string token) const;

  timebank::v1::Ledger::StubInterface& ledger() const { return *ledger_; }
  timebank::v1::Access::StubInterface& access() const { return *access_; }
  timebank::v1::Assessment::StubInterface& assessment() const {
    return *assessment_;
  }
  timebank::v1::Admin::StubInterface& admin() const { return *admin_; }
  // The channel itself, for services without generated stubs here (health).
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // A context for one unary call: the bearer token and the deadline.
  std::unique_ptr<grpc::ClientContext> NewCallContext() const;

  // A context for a stream that may run for as long as the user wants: the
  // bearer token and no deadline.
  std::unique_ptr<grpc::ClientContext> NewStreamContext() const;

 private:
  Connection(std::shared_ptr<grpc::Channel> channel, std::string token,
             std::chrono::seconds deadline);

  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
  std::chrono::seconds deadline_;
  std::unique_ptr<timebank::v1::Ledger::StubInterface> ledger_;
  std::unique_ptr<timebank::v1::Access::StubInterface> access_;
  std::unique_ptr<timebank::v1::Assessment::StubInterface> assessment_;
  std::unique_ptr<timebank::v1::Admin::StubInterface> admin_;
};

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_CONNECTION_H_
