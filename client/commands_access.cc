// `timebank token create|list|revoke`: access tokens (admins only).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands.h"
#include "client/dates.h"
#include "client/qr.h"

namespace timebank::client {
namespace {

const std::map<std::string, v1::Role>& RolesByName() {
  static const auto* const roles =
      new std::map<std::string, v1::Role>{{"admin", v1::ROLE_ADMIN},
                                          {"coordinator", v1::ROLE_COORDINATOR},
                                          {"member", v1::ROLE_MEMBER},
                                          {"auditor", v1::ROLE_AUDITOR}};
  return *roles;
}

// A file for a token's secret, created before the token so that a path that
// cannot be written never costs a secret that is shown only once.
class SecretFile {
 public:
  ~SecretFile() {
    if (fd_ >= 0) {
      close(fd_);
      unlink(path_.c_str());  // Never written: leave nothing behind.
    }
  }

  // Creates `path` readable by its owner only; refuses to replace a file.
  absl::Status Create(const std::string& path) {
    path_ = path;
    fd_ = open(path.c_str(),
               O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) {
      const int error = errno;
      if (error == EEXIST) {
        return absl::AlreadyExistsError(
            absl::StrCat("--out ", path, ": exists; choose a new file"));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("--out ", path, ": ", std::strerror(error)));
    }
    // The umask may have taken bits away, never added them; be exact anyway.
    fchmod(fd_, 0600);
    return absl::OkStatus();
  }

  absl::Status Write(const std::string& secret) {
    const std::string line = secret + "\n";
    size_t written = 0;
    while (written < line.size()) {
      const ssize_t n =
          write(fd_, line.data() + written, line.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return absl::InternalError(
            absl::StrCat("--out ", path_, ": write failed"));
      written += static_cast<size_t>(n);
    }
    const bool synced = fsync(fd_) == 0;
    const bool closed = close(fd_) == 0;
    fd_ = -1;
    if (!synced || !closed) {
      return absl::InternalError(
          absl::StrCat("--out ", path_, ": write failed"));
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_ = -1;
};

Table TokenTable() {
  return Table(
      {{.heading = "Id", .csv_name = "token_id"},
       {.heading = "Name", .csv_name = "name"},
       {.heading = "Role", .csv_name = "role"},
       {.heading = "Timebanks", .csv_name = "timebank_ids", .max_width = 40},
       {.heading = "Account", .csv_name = "account_id"},
       {.heading = "Created", .csv_name = "created_at_unix_us"},
       {.heading = "Expires", .csv_name = "expires_at_unix_us"},
       {.heading = "Revoked", .csv_name = "revoked"}});
}

void AddTokenRow(const v1::TokenInfo& info, Table* table) {
  table->AddRow({info.token_id(), info.name(), RoleName(info.role()),
                 Cell(info.timebank_ids().empty()
                          ? "all"
                          : absl::StrJoin(info.timebank_ids(), ", "),
                      absl::StrJoin(info.timebank_ids(), ";")),
                 info.account_id(),
                 Cell(FormatInstantUs(info.created_at_unix_us()),
                      absl::StrCat(info.created_at_unix_us())),
                 Cell(info.expires_at_unix_us() == 0
                          ? "never"
                          : FormatInstantUs(info.expires_at_unix_us()),
                      absl::StrCat(info.expires_at_unix_us())),
                 YesNoCell(info.revoked())});
}

struct CreateFlags {
  std::string role;
  std::vector<std::string> timebank_ids;
  std::string account_id;
  std::string name;
  std::string expires_on;
  std::string out;
  std::string page_url;  // Defaults from TIMEBANK_PAGE_URL or settings.
  bool no_qr = false;
};

// The member page's sign-in link for `token`: the page's address with the
// code after `#`, which browsers never send to the server.
absl::StatusOr<std::string> SignInLink(std::string page_url,
                                       const std::string& token) {
  if (!page_url.starts_with("http://") && !page_url.starts_with("https://")) {
    return absl::InvalidArgumentError(
        "--page-url: must start with http:// or https://, e.g. "
        "https://timebank.example.org/");
  }
  if (page_url.find_first_of("#? ") != std::string::npos) {
    return absl::InvalidArgumentError(
        "--page-url: give the page's address only, without ?, # or spaces");
  }
  // "https://host" is the page at "https://host/".
  if (page_url.find('/', page_url.find("//") + 2) == std::string::npos) {
    page_url += '/';
  }
  return absl::StrCat(page_url, "#token=", token);
}

// For a member token printed on screen: the sign-in link and its QR code.
void PrintSignIn(Session& session, const v1::CreateTokenResponse& reply,
                 const std::string& link, bool qr) {
  session.out() << "\nSign-in link for the member page (whoever opens it "
                   "signs in as "
                << reply.info().account_id() << "):\n"
                << link << "\n";
  if (!qr) return;
  absl::StatusOr<std::vector<std::string>> lines =
      QrLines(link, isatty(STDOUT_FILENO) ? QrInk::kTerminal : QrInk::kPlain);
  if (!lines.ok()) {
    session.err() << "No QR code: the link is " << lines.status().message()
                  << ".\n";
    return;
  }
  session.out() << "\nOr scan this with the member's phone:\n";
  for (const std::string& line : *lines) session.out() << line << "\n";
}

absl::StatusOr<v1::CreateTokenRequest> CreateRequestOf(
    const CreateFlags& flags) {
  v1::CreateTokenRequest request;
  request.set_role(RolesByName().at(flags.role));
  for (const std::string& id : flags.timebank_ids) request.add_timebank_ids(id);
  request.set_account_id(flags.account_id);
  request.set_name(flags.name);
  if (!flags.expires_on.empty()) {
    std::optional<std::chrono::sys_days> day = ParseDate(flags.expires_on);
    if (!day)
      return absl::InvalidArgumentError("--expires-on: expected YYYY-MM-DD");
    request.set_expires_at_unix_us(StartOfDayUs(*day));
  }
  return request;
}

absl::Status PrintCreated(Session& session,
                          const v1::CreateTokenResponse& reply,
                          const CreateFlags& flags) {
  const v1::TokenInfo& info = reply.info();
  if (!session.printer().is_table()) {
    Table table = TokenTable();
    AddTokenRow(info, &table);
    // The secret is on stdout only when no file was asked for.
    if (!flags.out.empty()) return session.printer().PrintOne(info, table);
    return session.printer().PrintOne(reply, table);
  }
  session.out() << "Created token " << info.token_id() << " (" << info.name()
                << ", " << RoleName(info.role()) << ").\n";
  if (!flags.out.empty()) {
    session.out() << "Its secret is in " << flags.out
                  << " (readable by you only).\n";
    return absl::OkStatus();
  }
  session.out() << "Its secret, shown this once; store it safely:\n"
                << reply.token() << "\n";
  if (info.role() == v1::ROLE_MEMBER && !flags.page_url.empty()) {
    // Checked before the token was made, so this cannot fail.
    absl::StatusOr<std::string> link =
        SignInLink(flags.page_url, reply.token());
    if (link.ok()) PrintSignIn(session, reply, *link, !flags.no_qr);
  }
  return absl::OkStatus();
}

absl::Status RunCreate(Session& session, const CreateFlags& flags) {
  absl::StatusOr<v1::CreateTokenRequest> request = CreateRequestOf(flags);
  if (!request.ok()) return request.status();
  if (!flags.page_url.empty()) {
    if (absl::Status s = SignInLink(flags.page_url, "").status(); !s.ok()) {
      return s;
    }
  }
  SecretFile file;
  if (!flags.out.empty()) {
    if (absl::Status s = file.Create(flags.out); !s.ok()) return s;
  }
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::CreateTokenResponse> reply = CallAccess(
      **connection, &v1::Access::StubInterface::CreateToken, *request);
  if (!reply.ok()) return reply.status();
  if (!flags.out.empty()) {
    if (absl::Status s = file.Write(reply->token()); !s.ok()) {
      session.err()
          << "The token " << reply->info().token_id()
          << " was created but its secret could not be saved; revoke it.\n";
      return s;
    }
  }
  return PrintCreated(session, *reply, flags);
}

absl::Status RunList(Session& session) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::ListTokensResponse> reply =
      CallAccess(**connection, &v1::Access::StubInterface::ListTokens,
                 v1::ListTokensRequest());
  if (!reply.ok()) return reply.status();
  Table table = TokenTable();
  for (const v1::TokenInfo& info : reply->tokens()) AddTokenRow(info, &table);
  return session.printer().PrintList(MessagePointers(reply->tokens()), table,
                                     "No tokens.");
}

absl::Status RunRevoke(Session& session, const std::string& token_id) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  v1::RevokeTokenRequest request;
  request.set_token_id(token_id);
  absl::StatusOr<v1::TokenInfo> info = CallAccess(
      **connection, &v1::Access::StubInterface::RevokeToken, request);
  if (!info.ok()) return info.status();
  if (session.printer().is_table()) {
    session.out() << "Revoked token " << info->token_id() << " ("
                  << info->name() << ").\n";
    return absl::OkStatus();
  }
  Table table = TokenTable();
  AddTokenRow(*info, &table);
  return session.printer().PrintOne(*info, table);
}

void AddCreate(CLI::App* group, CommandRegistry& registry) {
  auto flags = std::make_shared<CreateFlags>();
  CLI::App* command = group->add_subcommand("create", "Create an access token");
  command
      ->add_option("--role", flags->role,
                   "admin, coordinator, member or auditor")
      ->required()
      ->transform(CLI::IsMember({"admin", "coordinator", "member", "auditor"},
                                CLI::ignore_case));
  command
      ->add_option("--timebank,-t", flags->timebank_ids,
                   "Timebank(s) the token is limited to; repeat or use commas")
      ->delimiter(',');
  command->add_option("--account", flags->account_id,
                      "For a member: their own account");
  command
      ->add_option("--name", flags->name,
                   "Who holds it, e.g. kathy-coordinator")
      ->required();
  command->add_option(
      "--expires-on", flags->expires_on,
      "Stops working at the start of this day, YYYY-MM-DD (UTC)");
  command->add_option(
      "--out", flags->out,
      "Write the secret to this new file (mode 0600) instead of stdout");
  const std::optional<std::string> page_url =
      registry.settings().Get(kPageUrlEnv);
  if (page_url) flags->page_url = *page_url;
  command->add_option(
      "--page-url", flags->page_url,
      page_url ? absl::StrCat("The member page's address, for a member's "
                              "sign-in link and QR code (default ",
                              *page_url, ", from ",
                              registry.settings().SourceOf(kPageUrlEnv), ")")
               : std::string("The member page's address, e.g. "
                             "https://timebank.example.org/, for a member's "
                             "sign-in link and QR code (or set "
                             "$TIMEBANK_PAGE_URL)"));
  command->add_flag("--no-qr", flags->no_qr,
                    "Print the sign-in link without its QR code");
  registry.Bind(command, [flags](Session& s) { return RunCreate(s, *flags); });
}

}  // namespace

void AddTokenCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* group =
      app.add_subcommand("token", "Create, list and revoke access tokens");
  group->require_subcommand(1);
  AddCreate(group, registry);
  CLI::App* list =
      group->add_subcommand("list", "List every token, without secrets");
  registry.Bind(list, [](Session& s) { return RunList(s); });
  auto token_id = std::make_shared<std::string>();
  CLI::App* revoke = group->add_subcommand("revoke", "Revoke a token at once");
  AddArgumentOrFlag(revoke, "id", token_id.get(),
                    "Token id, as in `token list`");
  registry.Bind(revoke,
                [token_id](Session& s) { return RunRevoke(s, *token_id); });
}

}  // namespace timebank::client
