#include "services/metrics_http.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"

namespace timebank::services {
namespace {

constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";
// Scrapes send no body; a small limit keeps the listener's budgets small.
constexpr size_t kBodyBytesMax = 1024;
// More than any token needs; a bigger file is no token file.
constexpr size_t kTokenBytesMax = 4096;
constexpr std::string_view kBearer = "Bearer ";

std::array<uint8_t, 32> Sha256(std::string_view bytes) {
  std::array<uint8_t, 32> hash;
  ::SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
           hash.data());
  return hash;
}

// The token: the file's one line, without the line end. It goes into an
// HTTP header, so it must be printable ASCII without spaces.
absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return ledger::FieldInvalid("metrics_token_file", "cannot read " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  if (contents.str().size() > kTokenBytesMax) {
    return ledger::FieldInvalid("metrics_token_file",
                                path + " is larger than a token");
  }
  const std::string token(absl::StripTrailingAsciiWhitespace(contents.str()));
  if (token.empty()) {
    return ledger::FieldInvalid("metrics_token_file", path + " is empty");
  }
  if (!std::all_of(token.begin(), token.end(),
                   [](char c) { return c > 0x20 && c < 0x7f; })) {
    return ledger::FieldInvalid(
        "metrics_token_file",
        path + " must hold one line of printable ASCII without spaces");
  }
  return token;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    MetricsHttpOptions options, std::function<std::string()> render) {
  auto server = std::unique_ptr<MetricsHttpServer>(new MetricsHttpServer());
  server->render_ = std::move(render);
  if (!options.token_file.empty()) {
    ASSIGN_OR_RETURN(const std::string token, ReadToken(options.token_file));
    server->token_hash_ = Sha256(token);
  }
  HttpLimits limits = options.limits;
  limits.body_bytes_max = kBodyBytesMax;
  const MetricsHttpServer* self = server.get();
  ASSIGN_OR_RETURN(
      server->http_,
      HttpServer::Start(
          {.listen_field = "metrics_listen",
           .listen = options.listen,
           .limits = limits,
           .name = "metrics"},
          [self](const httplib::Request& req, const std::string&,
                 httplib::Response& res) { self->Serve(req, res); }));
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (http_ != nullptr) http_->Shutdown();
}

// Both sides are hashed first, so the comparison takes the same time
// whatever was sent, and says nothing about how much of it matched.
bool MetricsHttpServer::Authorized(const httplib::Request& req) const {
  const std::string header = req.get_header_value("Authorization");
  if (header.size() <= kBearer.size() ||
      !absl::EqualsIgnoreCase(
          header.substr(0, kBearer.size()),
          absl::string_view(kBearer.data(), kBearer.size()))) {
    return false;
  }
  const std::array<uint8_t, 32> presented =
      Sha256(std::string_view(header).substr(kBearer.size()));
  return CRYPTO_memcmp(presented.data(), token_hash_->data(),
                       presented.size()) == 0;
}

void MetricsHttpServer::Serve(const httplib::Request& req,
                              httplib::Response& res) const {
  if (token_hash_.has_value() && !Authorized(req)) {
    SetHttpError(res, 401, grpc::StatusCode::UNAUTHENTICATED,
                 "authorization: metrics need the bearer token of "
                 "--metrics-token-file");
    return;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    res.set_header("Allow", "GET, HEAD");
    SetHttpError(res, 405, grpc::StatusCode::UNIMPLEMENTED,
                 "method: metrics take GET only");
    return;
  }
  if (req.path != "/metrics") {
    SetHttpError(res, 404, grpc::StatusCode::NOT_FOUND,
                 "path: metrics are at /metrics");
    return;
  }
  res.status = 200;
  res.set_content(render_(), kContentType);
}

}  // namespace timebank::services
