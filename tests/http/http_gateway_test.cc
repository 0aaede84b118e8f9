// The JSON/HTTP gateway over real HTTP (cpp-httplib's client) against a real
// timebankd started with --http-listen: every route, each error status with
// the field it names, authentication and role checks, the limits, and the
// member page's files and headers.

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "services/http_routes.h"
#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"

namespace timebank::testing {
namespace {

using nlohmann::json;

constexpr size_t kBodyBytesMax = 64 * 1024;

struct HttpReply {
  int status = 0;  // 0: no answer at all.
  std::string body;
  httplib::Headers headers;
  json data;  // The body parsed, when it is JSON.

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // The "field" of a JSON error body, or "" if none.
  std::string Field() const {
    return data.contains("error") && data["error"].contains("field")
               ? data["error"]["field"].get<std::string>()
               : "";
  }
};

std::ostream& operator<<(std::ostream& out, const HttpReply& reply) {
  return out << "HTTP " << reply.status << " " << reply.body;
}

// Every route a test of this file sent a request to, to check that all were.
std::set<std::string>& RoutesCalled() {
  static auto* const called = new std::set<std::string>();
  return *called;
}
std::mutex routes_called_mutex;

// One token holder talking HTTP/1.1 to the gateway.
class Http {
 public:
  Http(int port, std::string token) : port_(port), token_(std::move(token)) {}

  Http WithToken(std::string token) const {
    return Http(port_, std::move(token));
  }

  HttpReply Get(const std::string& path) const { return Send("GET", path, ""); }
  HttpReply Post(const std::string& path, const json& body) const {
    return Send("POST", path, body.dump());
  }
  HttpReply Patch(const std::string& path, const json& body) const {
    return Send("PATCH", path, body.dump());
  }
  HttpReply Put(const std::string& path, const json& body) const {
    return Send("PUT", path, body.dump());
  }

  HttpReply Send(const std::string& method, const std::string& path,
                 const std::string& body, httplib::Headers headers = {},
                 const std::string& content_type = "application/json") const {
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    {
      const std::string route_path = path.substr(0, path.find('?'));
      const services::RouteMatch match =
          services::MatchRoute(method, route_path);
      if (match.outcome == services::RouteMatch::Outcome::kFound) {
        std::lock_guard lock(routes_called_mutex);
        RoutesCalled().insert(std::string(match.route->http_method) + " " +
                              std::string(match.route->pattern));
      }
    }
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(20));
    httplib::Result result = [&] {
      if (method == "POST")
        return client.Post(path, headers, body, content_type);
      if (method == "PUT") return client.Put(path, headers, body, content_type);
      if (method == "PATCH")
        return client.Patch(path, headers, body, content_type);
      if (method == "DELETE") return client.Delete(path, headers);
      return client.Get(path, headers);
    }();
    HttpReply reply;
    if (!result) return reply;
    reply.status = result->status;
    reply.body = result->body;
    reply.headers = result->headers;
    reply.data = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    return reply;
  }

 private:
  int port_;
  std::string token_;
};

class HttpGatewayTest : public SharedServerTest<HttpGatewayTest> {
 public:
  static ServerProcessOptions ServerOptions() {
    return {
        .http = true,
        .extra_args = {"--http-body-bytes-max", std::to_string(kBodyBytesMax)}};
  }

 protected:
  Http AdminHttp() const {
    return Http(server().http_port(), server().admin_token());
  }

  // A new timebank, opened over gRPC, with PERSON accounts kathy, olga and
  // vera; members may log.
  std::string NewTimebank() const {
    const std::string tb = UniqueId("http");
    Must(admin().CreateTimebank(tb, "Riverside " + tb), "create " + tb);
    for (const char* account : {"kathy", "olga", "vera"}) {
      Must(admin().OpenAccount(tb, account), "open account");
    }
    return tb;
  }

  std::string TokenFor(v1::Role role, const std::string& tb,
                       const std::string& account = "") const {
    return Must(admin().CreateToken(role, {tb}, account,
                                    UniqueId("http-token-" + account)),
                "token")
        .token();
  }

  uint64_t LastSeq(const std::string& tb) const {
    return Must(admin().GetTimebank(tb), "get timebank").last_seq();
  }
};

json ExchangeBody(const std::string& request_id, const std::string& giver,
                  const std::string& receiver, int minutes) {
  return {{"request_id", request_id},   {"giver_id", giver},
          {"receiver_id", receiver},    {"minutes", std::to_string(minutes)},
          {"category", "gardening"},    {"description", "Front garden"},
          {"occurred_on", "2024-05-03"}};
}

// ------------------------------------------------------------ the page

TEST_F(HttpGatewayTest, ServesThePageWithAStrictContentSecurityPolicy) {
  const Http anonymous(server().http_port(), "");
  const HttpReply page = anonymous.Get("/");
  ASSERT_EQ(page.status, 200) << page;
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>"), std::string::npos);
  EXPECT_NE(page.body.find("src=\"/app.js\""), std::string::npos);
  const std::string csp = page.Header("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(page.Header("X-Content-Type-Options"), "nosniff");

  EXPECT_EQ(anonymous.Get("/index.html").body, page.body);
  const HttpReply script = anonymous.Get("/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(script.Header("Content-Security-Policy"), "");
  const HttpReply style = anonymous.Get("/style.css");
  ASSERT_EQ(style.status, 200);
  EXPECT_EQ(style.Header("Content-Type"), "text/css; charset=utf-8");

  const HttpReply missing = anonymous.Get("/secret.txt");
  EXPECT_EQ(missing.status, 404) << missing;
  EXPECT_EQ(missing.Field(), "path");
  EXPECT_EQ(anonymous.Send("POST", "/", "{}").status, 405);
}

// ------------------------------------------------------------ every route

// Walks every route as an ADMIN, in the order a timebank's life takes them,
// and checks each reply against what the rpc promises.
TEST_F(HttpGatewayTest, EveryRouteAnswersLikeItsRpc) {
  const Http http = AdminHttp();
  const std::string tb = UniqueId("walk");
  const std::string base = "/v1/timebanks/" + tb;

  HttpReply r =
      http.Post("/v1/timebanks", {{"timebank_id", tb}, {"name", "Walk"}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["timebank_id"], tb);
  EXPECT_EQ(r.data["settings"]["members_may_log"], true);
  r = http.Get("/v1/timebanks");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_FALSE(r.data["timebanks"].empty());
  r = http.Get(base);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["name"], "Walk");
  r = http.Put(base + "/settings",
               {{"members_may_log", true}, {"max_exchange_minutes", "600"}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["settings"]["max_exchange_minutes"], "600");

  for (const char* account : {"kathy", "vera"}) {
    r = http.Post(base + "/accounts",
                  {{"account_id", account},
                   {"display_name", std::string(account) + " B."},
                   {"kind", "ACCOUNT_KIND_PERSON"}});
    ASSERT_EQ(r.status, 200) << r;
  }
  r = http.Get(base + "/accounts?page_size=1");
  ASSERT_EQ(r.status, 200) << r;
  ASSERT_EQ(r.data["accounts"].size(), 1u);
  EXPECT_EQ(r.data["accounts"][0]["account_id"], "kathy");
  EXPECT_NE(r.data["next_page_token"], "");
  r = http.Get(base + "/accounts/kathy");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["display_name"], "kathy B.");
  r = http.Patch(base + "/accounts/kathy", {{"display_name", "Kathy B."}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["display_name"], "Kathy B.");

  r = http.Post(base + "/exchanges", ExchangeBody("w-1", "kathy", "vera", 90));
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["status"], "EXCHANGE_STATUS_CONFIRMED");
  EXPECT_EQ(r.data["minutes"], "90");
  const std::string first_seq = r.data["seq"];
  r = http.Post(base + "/exchanges:batch",
                {{"items",
                  {ExchangeBody("w-2", "vera", "kathy", 30),
                   ExchangeBody("w-3", "vera", "vera", 30)}}});
  ASSERT_EQ(r.status, 200) << r;
  ASSERT_EQ(r.data["results"].size(), 2u);
  EXPECT_TRUE(r.data["results"][0].contains("exchange"));
  EXPECT_EQ(r.data["results"][1]["error"]["code"], 3);  // INVALID_ARGUMENT.
  r = http.Get(base + "/exchanges/" + first_seq);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["giver_id"], "kathy");
  r = http.Get(base + "/exchanges?account_id=vera&from_date=2024-05-01");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["exchanges"].size(), 2u);
  r = http.Get(base + "/accounts/kathy/exchanges?to_date=2024-04-30");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_TRUE(r.data["exchanges"].empty());
  r = http.Get(base + "/accounts/kathy/balance");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["minutes_given"], "90");
  EXPECT_EQ(r.data["minutes_received"], "30");
  EXPECT_EQ(r.data["balance_minutes"], "60");

  // A member logs one; the admin confirms it; another is rejected; one
  // confirmed exchange is reversed.
  const Http kathy = http.WithToken(TokenFor(v1::ROLE_MEMBER, tb, "kathy"));
  r = kathy.Post(base + "/exchanges", ExchangeBody("w-4", "vera", "kathy", 15));
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["status"], "EXCHANGE_STATUS_PENDING");
  EXPECT_EQ(r.data["logged_by_account_id"], "kathy");
  r = http.Post(
      base + "/exchanges/" + r.data["seq"].get<std::string>() + ":confirm",
      {{"request_id", "w-5"}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["status"], "EXCHANGE_STATUS_CONFIRMED");
  r = kathy.Post(base + "/exchanges", ExchangeBody("w-6", "vera", "kathy", 15));
  ASSERT_EQ(r.status, 200) << r;
  r = http.Post(
      base + "/exchanges/" + r.data["seq"].get<std::string>() + ":reject",
      {{"request_id", "w-7"}, {"reason", "not this week"}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["status"], "EXCHANGE_STATUS_REJECTED");
  r = http.Post(base + "/exchanges/" + first_seq + ":reverse",
                {{"request_id", "w-8"}, {"reason", "entered twice"}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["status"], "EXCHANGE_STATUS_REVERSED");

  r = http.Get(base + "/balances");
  ASSERT_EQ(r.status, 200) << r;
  int64_t sum = 0;
  for (const json& row : r.data["balances"])
    sum += std::stoll(row["balance_minutes"].get<std::string>());
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(r.data["balances"].size(), 2u);
  r = http.Post(base + "/journal:verify", json::object());
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["ok"], true);
  EXPECT_GT(std::stoi(r.data["entries_checked"].get<std::string>()), 5);

  r = http.Post(base + "/accounts/vera:erase", json::object());
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["erased"], true);

  // Access.
  r = http.Post("/v1/tokens", {{"role", "ROLE_MEMBER"},
                               {"timebank_ids", {tb}},
                               {"account_id", "kathy"},
                               {"name", UniqueId("kathy-phone")}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_TRUE(r.data["token"].get<std::string>().starts_with("tbk_"));
  const std::string token_id = r.data["info"]["token_id"];
  r = http.Get("/v1/tokens");
  ASSERT_EQ(r.status, 200) << r;
  ASSERT_FALSE(r.data["tokens"].empty());
  for (const json& info : r.data["tokens"])
    EXPECT_FALSE(info.contains("token"));
  r = http.Post("/v1/tokens/" + token_id + ":revoke", json::object());
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["revoked"], true);
  r = kathy.Get("/v1/whoami");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["role"], "ROLE_MEMBER");
  EXPECT_EQ(r.data["account_id"], "kathy");
  EXPECT_EQ(r.data["timebank_ids"], json::array({tb}));

  // Assessment.
  r = http.Get(base +
               "/reciprocity?from=2024-01-01&to=2024-12-31&granularity="
               "GRANULARITY_QUARTER");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["periods"].size(), 4u);
  EXPECT_EQ(r.data["total"]["exchanges"], "2");
  r = http.Get(base + "/assessment?from=2024-01-01&to=2024-12-31");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["principles"].size(), 4u);
  r = http.Get(base + "/thresholds");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_FALSE(r.data["thresholds"].empty());
  r = http.Patch(base + "/thresholds",
                 {{"thresholds",
                   {{{"metric", "reciprocity.gave_and_received_share"},
                     {"stage", 2},
                     {"value", 0.25}}}}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_NE(r.body.find("0.25"), std::string::npos);
  r = http.Post(base + "/reflections", {{"request_id", "w-9"},
                                        {"principle", "PRINCIPLE_RECIPROCITY"},
                                        {"perspective", "PERSPECTIVE_MEMBER"},
                                        {"stage", 2},
                                        {"evidence", "We swap lifts"}});
  ASSERT_EQ(r.status, 200) << r;
  r = http.Get(base + "/reflections?perspective=PERSPECTIVE_MEMBER");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["reflections"].size(), 1u);
  r = http.Post(base + "/actions", {{"request_id", "w-10"},
                                    {"who", "the coordinators"},
                                    {"what", "Hold a welcome morning"}});
  ASSERT_EQ(r.status, 200) << r;
  const std::string action_id = r.data["action_id"];
  r = http.Patch(base + "/actions/" + action_id,
                 {{"status", "ACTION_STATUS_DONE"}, {"note", "held in June"}});
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["status"], "ACTION_STATUS_DONE");
  r = http.Get(base + "/actions?statuses=ACTION_STATUS_DONE");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data["actions"].size(), 1u);

  std::lock_guard lock(routes_called_mutex);
  for (const services::HttpRoute& route : services::HttpRouteTable()) {
    const std::string name =
        std::string(route.http_method) + " " + std::string(route.pattern);
    EXPECT_TRUE(RoutesCalled().contains(name)) << "not exercised: " << name;
  }
}

TEST_F(HttpGatewayTest, RepliesMatchTheGrpcReplies) {
  const std::string tb = NewTimebank();
  Must(admin().RecordExchange(ExchangeRequest(tb, "m-1", "kathy", "vera", 75)),
       "record");
  const v1::Balance balance = Must(admin().GetBalance(tb, "kathy"), "balance");
  const HttpReply r =
      AdminHttp().Get("/v1/timebanks/" + tb + "/accounts/kathy/balance");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.data, json::parse(services::ReplyToJson(balance)));
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
}

// ------------------------------------------------------------ members

TEST_F(HttpGatewayTest, AMemberLogsAndTheOtherConfirmsThenBalancesChange) {
  const std::string tb = NewTimebank();
  const std::string base = "/v1/timebanks/" + tb;
  const Http kathy(server().http_port(),
                   TokenFor(v1::ROLE_MEMBER, tb, "kathy"));
  const Http vera(server().http_port(), TokenFor(v1::ROLE_MEMBER, tb, "vera"));

  HttpReply logged =
      kathy.Post(base + "/exchanges", ExchangeBody("p-1", "kathy", "vera", 90));
  ASSERT_EQ(logged.status, 200) << logged;
  EXPECT_EQ(logged.data["status"], "EXCHANGE_STATUS_PENDING");
  const std::string seq = logged.data["seq"];
  EXPECT_EQ(kathy.Get(base + "/accounts/kathy/balance").data["balance_minutes"],
            "0");

  // The member who logged it may not confirm it.
  HttpReply own = kathy.Post(base + "/exchanges/" + seq + ":confirm",
                             {{"request_id", "p-2"}});
  EXPECT_EQ(own.status, 403) << own;
  EXPECT_EQ(own.Field(), "seq");

  HttpReply waiting = vera.Get(base + "/accounts/vera/exchanges");
  ASSERT_EQ(waiting.status, 200) << waiting;
  ASSERT_EQ(waiting.data["exchanges"].size(), 1u);
  EXPECT_EQ(waiting.data["exchanges"][0]["logged_by_account_id"], "kathy");
  HttpReply confirmed = vera.Post(base + "/exchanges/" + seq + ":confirm",
                                  {{"request_id", "p-3"}});
  ASSERT_EQ(confirmed.status, 200) << confirmed;
  EXPECT_EQ(confirmed.data["status"], "EXCHANGE_STATUS_CONFIRMED");
  EXPECT_EQ(kathy.Get(base + "/accounts/kathy/balance").data["balance_minutes"],
            "90");
  EXPECT_EQ(vera.Get(base + "/accounts/vera/balance").data["balance_minutes"],
            "-90");
}

// ------------------------------------------------------------ errors

TEST_F(HttpGatewayTest, NoOrBadTokenIs401) {
  const std::string tb = NewTimebank();
  const std::string path = "/v1/timebanks/" + tb + "/accounts/kathy/balance";
  for (const std::string& token :
       {std::string(), std::string("tbk_nope_nope")}) {
    const HttpReply r = Http(server().http_port(), token).Get(path);
    EXPECT_EQ(r.status, 401) << r;
    EXPECT_EQ(r.Field(), "authorization");
    EXPECT_EQ(r.data["error"]["status"], "UNAUTHENTICATED");
    EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
  }
  const HttpReply basic =
      Http(server().http_port(), "")
          .Send("GET", path, "", {{"Authorization", "Basic a2F0aHk6cGFzcw=="}});
  EXPECT_EQ(basic.status, 401) << basic;
  const HttpReply revoked_token = [&] {
    const v1::CreateTokenResponse created = Must(
        admin().CreateToken(v1::ROLE_MEMBER, {tb}, "kathy", UniqueId("gone")),
        "token");
    Must(admin().RevokeToken(created.info().token_id()), "revoke");
    return Http(server().http_port(), created.token()).Get(path);
  }();
  EXPECT_EQ(revoked_token.status, 401) << revoked_token;
}

TEST_F(HttpGatewayTest, RoleAndScopeChecksAre403NamingTheField) {
  const std::string tb = NewTimebank();
  const std::string other_tb = NewTimebank();
  const std::string base = "/v1/timebanks/" + tb;
  const Http kathy(server().http_port(),
                   TokenFor(v1::ROLE_MEMBER, tb, "kathy"));
  const Http auditor(server().http_port(), TokenFor(v1::ROLE_AUDITOR, tb));
  const Http coordinator(server().http_port(),
                         TokenFor(v1::ROLE_COORDINATOR, tb));

  HttpReply r = kathy.Get(base + "/accounts/vera/balance");
  EXPECT_EQ(r.status, 403) << r;
  EXPECT_EQ(r.Field(), "account_id");
  // A member lists the accounts of their timebank by name, and nothing
  // else about them.
  r = kathy.Get(base + "/accounts?query=vera");
  EXPECT_EQ(r.status, 200) << r;
  ASSERT_EQ(r.data["accounts"].size(), 1u) << r;
  EXPECT_EQ(r.data["accounts"][0]["account_id"], "vera") << r;
  EXPECT_EQ(r.body.find("balance"), std::string::npos) << r;
  r = kathy.Get(base + "/balances");
  EXPECT_EQ(r.status, 403) << r;
  EXPECT_EQ(r.Field(), "authorization");
  r = kathy.Post(base + "/exchanges", ExchangeBody("s-1", "olga", "vera", 10));
  EXPECT_EQ(r.status, 403) << r;
  r = auditor.Get(base + "/accounts/kathy/balance");
  EXPECT_EQ(r.status, 403) << r;
  EXPECT_EQ(r.Field(), "authorization");
  r = coordinator.Get("/v1/timebanks/" + other_tb + "/accounts/kathy/balance");
  EXPECT_EQ(r.status, 403) << r;
  EXPECT_EQ(r.Field(), "timebank_id");
  r = coordinator.Post("/v1/timebanks",
                       {{"timebank_id", UniqueId("x")}, {"name", "X"}});
  EXPECT_EQ(r.status, 403) << r;
  EXPECT_EQ(LastSeq(tb), 0u);
}

TEST_F(HttpGatewayTest, BadInputIs400NamingTheFieldAndChangesNothing) {
  const std::string tb = NewTimebank();
  const std::string base = "/v1/timebanks/" + tb;
  const Http http = AdminHttp();
  HttpReply r =
      http.Post(base + "/exchanges", ExchangeBody("b-1", "kathy", "vera", 0));
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "minutes");
  EXPECT_EQ(r.data["error"]["status"], "INVALID_ARGUMENT");
  json bad_date = ExchangeBody("b-2", "kathy", "vera", 10);
  bad_date["occurred_on"] = "2024-02-30";
  r = http.Post(base + "/exchanges", bad_date);
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "occurred_on");
  json unknown = ExchangeBody("b-3", "kathy", "vera", 10);
  unknown["colour"] = "red";
  r = http.Post(base + "/exchanges", unknown);
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "body");
  EXPECT_NE(r.data["error"]["message"].get<std::string>().find("colour"),
            std::string::npos)
      << r;
  r = http.Send("POST", base + "/exchanges", "{\"minutes\": ");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "body");
  r = http.Get(base + "/exchanges/seven");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "seq");
  r = http.Get(base + "/exchanges?page_size=lots");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "page_size");
  r = http.Get(base + "/exchanges?colour=red");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "colour");
  r = http.Post("/v1/timebanks/" + tb + "/exchanges",
                {{"timebank_id", "elsewhere"}, {"request_id", "b-4"}});
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "timebank_id");
  r = http.Send("POST", base + "/exchanges",
                ExchangeBody("b-5", "kathy", "vera", 10).dump(), {},
                "text/plain");
  EXPECT_EQ(r.status, 415) << r;
  EXPECT_EQ(r.Field(), "content_type");
  // Text that is not UTF-8: in a path or query parameter the field is named
  // when the server parses the forwarded request; in a body it makes the body
  // no JSON at all.
  r = http.Get(base + "/accounts/k%C3%28/balance");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "account_id");
  r = http.Get(base + "/exchanges?account_id=%ED%A0%80");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "account_id");
  json not_utf8 = ExchangeBody("b-6", "kathy", "vera", 10);
  not_utf8["description"] = "placeholder";
  std::string body = not_utf8.dump();
  body.replace(body.find("placeholder"), 11, "place\xC3\x28older");
  r = http.Send("POST", base + "/exchanges", body);
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(r.Field(), "body");
  EXPECT_EQ(LastSeq(tb), 0u);
}

TEST_F(HttpGatewayTest, JsonWithParametersIsAcceptedAndOtherTypesAre415) {
  const std::string tb = NewTimebank();
  const std::string path = "/v1/timebanks/" + tb + "/exchanges";
  const Http http = AdminHttp();
  int accepted = 0;
  for (const char* type :
       {"application/json; charset=utf-8", "Application/JSON",
        "application/json;charset=\"UTF-8\"", "application/json ; q=1"}) {
    const HttpReply r = http.Send(
        "POST", path,
        ExchangeBody("t-" + std::to_string(accepted), "kathy", "vera", 10)
            .dump(),
        {}, type);
    EXPECT_EQ(r.status, 200) << type << ": " << r;
    ++accepted;
  }
  for (const char* type :
       {"application/jsonxyz", "application/json-seq", "text/json",
        "text/plain", "application/json; charset=latin1",
        "application/json; garbage", "application/x-www-form-urlencoded"}) {
    const HttpReply r = http.Send(
        "POST", path, ExchangeBody("t-refused", "kathy", "vera", 10).dump(), {},
        type);
    EXPECT_EQ(r.status, 415) << type << ": " << r;
    EXPECT_EQ(r.Field(), "content_type") << type << ": " << r;
  }
  EXPECT_EQ(LastSeq(tb), static_cast<uint64_t>(accepted));
}

TEST_F(HttpGatewayTest, NotFoundConflictAndPreconditionMapTo404And409And412) {
  const std::string tb = NewTimebank();
  const std::string base = "/v1/timebanks/" + tb;
  const Http http = AdminHttp();
  HttpReply r = http.Get(base + "/accounts/nobody");
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.Field(), "account_id");
  r = http.Get("/v1/timebanks/" + UniqueId("missing"));
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.Field(), "timebank_id");
  r = http.Get(base + "/exchanges/99");
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.Field(), "seq");

  r = http.Post(base + "/exchanges", ExchangeBody("c-1", "kathy", "vera", 30));
  ASSERT_EQ(r.status, 200) << r;
  const std::string seq = r.data["seq"];
  // The same request id and content is a retry: the original, unchanged.
  HttpReply retry =
      http.Post(base + "/exchanges", ExchangeBody("c-1", "kathy", "vera", 30));
  ASSERT_EQ(retry.status, 200) << retry;
  EXPECT_EQ(retry.data["seq"], seq);
  r = http.Post(base + "/exchanges", ExchangeBody("c-1", "kathy", "vera", 45));
  EXPECT_EQ(r.status, 409) << r;
  EXPECT_EQ(r.Field(), "request_id");
  EXPECT_EQ(r.data["error"]["status"], "ALREADY_EXISTS");
  r = http.Post("/v1/timebanks", {{"timebank_id", tb}, {"name", "Again"}});
  EXPECT_EQ(r.status, 409) << r;
  EXPECT_EQ(r.Field(), "timebank_id");

  r = http.Post(base + "/exchanges/" + seq + ":confirm",
                {{"request_id", "c-2"}});
  EXPECT_EQ(r.status, 412) << r;
  EXPECT_EQ(r.Field(), "seq");
  EXPECT_EQ(r.data["error"]["status"], "FAILED_PRECONDITION");
  EXPECT_EQ(LastSeq(tb), 1u);
}

TEST_F(HttpGatewayTest, UnknownRoutesAre404AndWrongMethods405) {
  const Http http = AdminHttp();
  HttpReply r = http.Get("/v1/nothing-here");
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(r.Field(), "path");
  r = http.Send("DELETE", "/v1/timebanks/riverside/exchanges", "");
  EXPECT_EQ(r.status, 405) << r;
  EXPECT_EQ(r.Header("Allow"), "POST, GET");
  r = http.Get("/v1/timebanks/riverside/exchanges/1:confirm");
  EXPECT_EQ(r.status, 405) << r;
  EXPECT_EQ(r.Header("Allow"), "POST");
}

// ------------------------------------------------------------ limits

TEST_F(HttpGatewayTest, AnOversizedBodyIs413AndChangesNothing) {
  const std::string tb = NewTimebank();
  json big = ExchangeBody("o-1", "kathy", "vera", 10);
  big["description"] = std::string(kBodyBytesMax + 1, 'x');
  const HttpReply r =
      AdminHttp().Post("/v1/timebanks/" + tb + "/exchanges", big);
  EXPECT_EQ(r.status, 413) << r.status;
  EXPECT_EQ(r.Field(), "body");
  EXPECT_EQ(LastSeq(tb), 0u);
  // The server goes on serving.
  EXPECT_EQ(AdminHttp().Get("/v1/timebanks/" + tb).status, 200);
}

TEST_F(HttpGatewayTest, TooManyOrTooLargeHeadersAreRefused) {
  const std::string path = "/v1/whoami";
  httplib::Headers many;
  for (int i = 0; i < 80; ++i)
    many.emplace("X-Extra-" + std::to_string(i), "1");
  HttpReply r = AdminHttp().Send("GET", path, "", many);
  EXPECT_EQ(r.status, 431) << r;
  EXPECT_EQ(r.Field(), "headers");

  httplib::Headers large;
  for (int i = 0; i < 4; ++i)
    large.emplace("X-Large-" + std::to_string(i), std::string(6000, 'y'));
  r = AdminHttp().Send("GET", path, "", large);
  EXPECT_EQ(r.status, 431) << r;

  httplib::Headers one_huge{{"X-Huge", std::string(20000, 'z')}};
  r = AdminHttp().Send("GET", path, "", one_huge);
  EXPECT_TRUE(r.status == 400 || r.status == 431 || r.status == 0) << r;
  EXPECT_EQ(AdminHttp().Get(path).status, 200);
}

TEST_F(HttpGatewayTest, ManyClientsAtOnceAreAllServed) {
  const std::string tb = NewTimebank();
  const std::string path = "/v1/timebanks/" + tb + "/accounts/kathy/balance";
  constexpr int kClients = 24;
  constexpr int kRequestsEach = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      const Http http = AdminHttp();
      for (int i = 0; i < kRequestsEach; ++i) {
        if (http.Get(path).status == 200) ++ok;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(ok.load(), kClients * kRequestsEach);
}

}  // namespace
}  // namespace timebank::testing
