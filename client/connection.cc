#include "client/connection.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

// A gRPC header value may hold only visible ASCII; a token with anything else
// would be refused by the library deep inside a call.
bool IsHeaderSafe(std::string_view token) {
  for (char c : token) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ConnectionOptions& options) {
  if (!options.tls) return grpc::InsecureChannelCredentials();
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key: give both for mutual TLS, or neither");
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadSmallFile(options.tls_ca_file, kMaxPemFileBytes);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!options.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadSmallFile(options.tls_cert_file, kMaxPemFileBytes);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadSmallFile(options.tls_key_file, kMaxPemFileBytes);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

std::optional<std::string> ProcessEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Writes beside the target and renames, so a reader never sees half a page.
// A path that cannot be written is the user's to fix (INVALID_ARGUMENT); a
// write that fails half-way is not (INTERNAL).
absl::Status WriteFileAtomically(std::string_view flag, const std::string& path,
                                 const std::string& content) {
  const std::string temporary = path + ".tmp";
  std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
  if (!file.is_open()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), " ", path, ": ", std::strerror(errno)));
  }
  file << content;
  file.close();
  std::error_code error;
  if (!file) {
    std::filesystem::remove(temporary, error);
    return absl::InternalError(
        absl::StrCat(ToAbsl(flag), " ", path, ": write failed"));
  }
  std::filesystem::rename(temporary, path, error);
  if (error) {
    const std::string reason = error.message();
    std::filesystem::remove(temporary, error);
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), " ", path, ": ", reason));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::string content;
  content.resize(max_bytes + 1);
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  if (in.bad())
    return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  content.resize(static_cast<size_t>(in.gcount()));
  if (content.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", max_bytes, " bytes"));
  }
  return content;
}

ConnectionOptions ResolveOptions(ConnectionOptions flags,
                                 const EnvLookup& env) {
  if (flags.server.empty()) {
    std::optional<std::string> server = env(kServerEnv);
    flags.server = server && !server->empty() ? *server : kDefaultServer;
  }
  if (flags.token_file.empty()) {
    std::optional<std::string> token_file = env(kTokenFileEnv);
    if (token_file && !token_file->empty()) {
      flags.token_file = *token_file;
    } else {
      std::error_code ignored;
      if (std::filesystem::exists(kDefaultTokenFile, ignored)) {
        flags.token_file = kDefaultTokenFile;
      }
    }
  }
  if (!flags.tls_ca_file.empty() || !flags.tls_cert_file.empty() ||
      !flags.tls_key_file.empty()) {
    flags.tls = true;
  }
  return flags;
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadSmallFile(path, kMaxTokenFileBytes);
  if (!content.ok()) return content.status();
  const std::string token(absl::StripAsciiWhitespace(*content));
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": holds no token"));
  }
  if (!IsHeaderSafe(token)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the token holds characters other than visible ASCII"));
  }
  return token;
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(
    const ConnectionOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  return grpc::CreateChannel(options.server, *credentials);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const ConnectionOptions& options) {
  if (options.token_file.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("no token: pass --token-file or set ", kTokenFileEnv, " (",
                     kDefaultTokenFile, " is used when it exists)"));
  }
  absl::StatusOr<std::string> token = ReadTokenFile(options.token_file);
  if (!token.ok()) return token.status();
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.server, *credentials);
  return std::unique_ptr<Connection>(
      new Connection(std::move(channel), *std::move(token), options.deadline));
}

Connection::Connection(std::shared_ptr<grpc::Channel> channel,
                       std::string token, std::chrono::seconds deadline)
    : channel_(std::move(channel)),
      token_(std::move(token)),
      deadline_(deadline),
      ledger_(timebank::v1::Ledger::NewStub(channel_)),
      access_(timebank::v1::Access::NewStub(channel_)),
      assessment_(timebank::v1::Assessment::NewStub(channel_)),
      admin_(timebank::v1::Admin::NewStub(channel_)) {}

std::unique_ptr<Connection> Connection::WithToken(std::string token) const {
  return std::unique_ptr<Connection>(
      new Connection(channel_, std::move(token), deadline_));
}

std::unique_ptr<grpc::ClientContext> Connection::NewCallContext() const {
  std::unique_ptr<grpc::ClientContext> context = NewStreamContext();
  context->set_deadline(std::chrono::system_clock::now() + deadline_);
  return context;
}

std::unique_ptr<grpc::ClientContext> Connection::NewStreamContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  return context;
}

}  // namespace timebank::client
